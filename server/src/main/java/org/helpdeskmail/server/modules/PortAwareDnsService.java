package org.helpdeskmail.server.modules;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.inject.Inject;

import org.apache.commons.configuration2.BaseHierarchicalConfiguration;
import org.apache.commons.configuration2.HierarchicalConfiguration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.commons.configuration2.tree.ImmutableNode;
import org.apache.james.dnsservice.dnsjava.DNSJavaService;
import org.apache.james.metrics.api.MetricFactory;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;

import com.google.common.net.HostAndPort;

/**
 * James's dnsjava service, with resolvers given as {@code host:port} and a lookup timeout
 * ({@code <timeout>} seconds), neither of which dnsservice.xml supports in 3.8.1. The resolver
 * also becomes dnsjava's default, because jDKIM and jSPF look up through that default.
 *
 * <pre>{@code
 * <dnsservice>
 *     <servers><server>127.0.0.1:5353</server></servers>
 *     <autodiscover>false</autodiscover>
 *     <timeout>5</timeout>
 * </dnsservice>
 * }</pre>
 */
public class PortAwareDnsService extends DNSJavaService {
    private static final int DEFAULT_TIMEOUT_SECONDS = 5;
    private static final int DNS_PORT = 53;

    private final List<InetSocketAddress> servers = new ArrayList<>();
    private Duration timeout = Duration.ofSeconds(DEFAULT_TIMEOUT_SECONDS);

    @Inject
    public PortAwareDnsService(MetricFactory metricFactory) {
        super(metricFactory);
    }

    @Override
    public void configure(HierarchicalConfiguration<ImmutableNode> configuration) throws ConfigurationException {
        for (String server : configuration.getStringArray("servers.server")) {
            HostAndPort hostAndPort = HostAndPort.fromString(server.trim()).withDefaultPort(DNS_PORT);
            servers.add(new InetSocketAddress(hostAndPort.getHost(), hostAndPort.getPort()));
        }
        timeout = Duration.ofSeconds(configuration.getInt("timeout", DEFAULT_TIMEOUT_SECONDS));
        // The parent only understands bare hosts: hand it the hosts and replace its resolver in init().
        BaseHierarchicalConfiguration hostsOnly = new BaseHierarchicalConfiguration(configuration);
        hostsOnly.clearTree("servers");
        servers.forEach(address -> hostsOnly.addProperty("servers.server", address.getHostString()));
        super.configure(hostsOnly);
    }

    @Override
    public void init() throws Exception {
        super.init();
        if (!servers.isEmpty()) {
            List<Resolver> resolvers = new ArrayList<>();
            for (InetSocketAddress server : servers) {
                SimpleResolver resolver = new SimpleResolver(server);
                resolver.setTimeout(timeout);
                resolvers.add(resolver);
            }
            ExtendedResolver extended = new ExtendedResolver(resolvers);
            extended.setTimeout(timeout);
            resolver = extended;
        } else {
            resolver.setTimeout(timeout);
        }
        Lookup.setDefaultResolver(resolver);
    }

    public List<InetSocketAddress> servers() {
        return List.copyOf(servers);
    }
}
