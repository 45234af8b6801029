package org.helpdeskmail.clients.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.helpdeskmail.clients.tls.LoopbackPolicyHosts.policy;

import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.helpdeskmail.clients.tls.MtaStsPolicy.Mode;
import org.helpdeskmail.testing.ManualClock;
import org.helpdeskmail.testing.dns.TestDnsServer;
import org.helpdeskmail.testing.tls.MtaStsPolicyServer;
import org.helpdeskmail.testing.tls.MtaStsPolicyServer.PolicyResponse;
import org.helpdeskmail.testing.tls.TestCertificateAuthority;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Cache;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

import okhttp3.Dns;

class MtaStsResolverTest {
    private static final TestCertificateAuthority CA = TestCertificateAuthority.create("resolver test CA");
    private static final String TXT_NAME = "_mta-sts.example.com";

    private final MtaStsPolicyServer server = MtaStsPolicyServer.start(CA, "example.com");
    private final ManualClock clock = new ManualClock();
    private final Map<String, List<String>> txt = new ConcurrentHashMap<>();
    private final AtomicInteger txtLookups = new AtomicInteger();
    private final MtaStsResolver resolver = new MtaStsResolver(name -> {
        txtLookups.incrementAndGet();
        return txt.getOrDefault(name, List.of());
    }, LoopbackPolicyHosts.fetcher(CA, server), clock);

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void withoutTxtRecordNothingIsFetched() {
        server.policy("example.com", policy("enforce", "mx.example.com", 3600));

        assertThat(resolver.policyFor("example.com")).isEmpty();
        assertThat(txtLookups).hasValue(1);
        assertThat(server.requests("example.com")).isZero();
    }

    @Test
    void aPolicyIsCachedForItsMaxAgeThenFetchedAgain() {
        publish("id1", policy("enforce", "mx.example.com", 3600));

        assertThat(resolver.policyFor("example.com")).map(MtaStsPolicy::id).contains("id1");
        clock.advance(Duration.ofMinutes(59));
        assertThat(resolver.policyFor("Example.COM.")).map(MtaStsPolicy::id).contains("id1");
        assertThat(server.requests("example.com")).isEqualTo(1);

        clock.advance(Duration.ofMinutes(1));
        assertThat(resolver.policyFor("example.com")).map(MtaStsPolicy::mode).contains(Mode.ENFORCE);
        assertThat(server.requests("example.com")).isEqualTo(2);
    }

    @Test
    void aNewIdInTheTxtRecordFetchesAgainBeforeMaxAge() {
        publish("id1", policy("testing", "mx.example.com", 86400));
        assertThat(resolver.policyFor("example.com")).map(MtaStsPolicy::mode).contains(Mode.TESTING);

        publish("id2", policy("enforce", "*.example.com", 86400));
        clock.advance(Duration.ofMinutes(5));

        MtaStsPolicy updated = resolver.policyFor("example.com").orElseThrow();
        assertThat(updated.id()).isEqualTo("id2");
        assertThat(updated.mode()).isEqualTo(Mode.ENFORCE);
        assertThat(updated.mx()).containsExactly("*.example.com");
        assertThat(server.requests("example.com")).isEqualTo(2);
    }

    @Test
    void whenTheFetchFailsTheCachedPolicyStaysInForceUntilItExpires() {
        publish("id1", policy("enforce", "mx.example.com", 3600));
        resolver.policyFor("example.com");

        txt.put(TXT_NAME, List.of("v=STSv1; id=id2;"));
        server.respond("example.com", PolicyResponse.status(503));
        clock.advance(Duration.ofMinutes(30));
        assertThat(resolver.policyFor("example.com")).map(MtaStsPolicy::id).contains("id1");
        assertThat(server.requests("example.com")).isEqualTo(2);

        clock.advance(Duration.ofMinutes(30));
        assertThat(resolver.policyFor("example.com")).isEmpty();
        assertThat(server.requests("example.com")).isEqualTo(3);
    }

    @Test
    void aTxtRecordThatDisappearsOrBreaksDoesNotEndACachedPolicy() {
        publish("id1", policy("enforce", "mx.example.com", 3600));
        resolver.policyFor("example.com");

        txt.remove(TXT_NAME);
        clock.advance(Duration.ofMinutes(10));
        assertThat(resolver.policyFor("example.com")).map(MtaStsPolicy::id).contains("id1");

        txt.put(TXT_NAME, List.of("v=STSv1; id=a;", "v=STSv1; id=b;"));
        assertThat(resolver.policyFor("example.com")).map(MtaStsPolicy::id).contains("id1");
        assertThat(server.requests("example.com")).isEqualTo(1);

        clock.advance(Duration.ofMinutes(50));
        assertThat(resolver.policyFor("example.com")).isEmpty();
        assertThat(server.requests("example.com")).isEqualTo(1);
    }

    @Test
    void aFailingTxtLookupCountsAsNoRecord() {
        MtaStsResolver failing = new MtaStsResolver(name -> {
            throw new IllegalStateException("resolver down");
        }, LoopbackPolicyHosts.fetcher(CA, server), clock);
        server.policy("example.com", policy("enforce", "mx.example.com", 3600));

        assertThat(failing.policyFor("example.com")).isEmpty();
        assertThat(server.requests("example.com")).isZero();
    }

    @Test
    void modeNoneIsReturnedSoThatItReplacesAnEnforcingPolicy() {
        publish("id1", policy("enforce", "mx.example.com", 86400));
        resolver.policyFor("example.com");

        publish("id2", "version: STSv1\nmode: none\nmax_age: 86400\n");
        assertThat(resolver.policyFor("example.com")).map(MtaStsPolicy::mode).contains(Mode.NONE);
    }

    @Test
    void txtAndAddressesFromARealDnsServer() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start()) {
            dns.addRecords("example.com",
                    "_mta-sts TXT \"v=STSv1; id=20240501;\"",
                    "_mta-sts TXT \"v=spf1 -all\"",
                    "mta-sts A 127.0.0.1");
            SimpleResolver dnsResolver = new SimpleResolver(new InetSocketAddress("127.0.0.1", dns.port()));
            dnsResolver.setTimeout(Duration.ofSeconds(2));
            server.policy("example.com", policy("enforce", "mx.example.com", 86400));
            OutboundTrust trust = OutboundTrust.withCertificates(List.of(CA.certificate()));
            MtaStsPolicyFetcher fetcher = new MtaStsPolicyFetcher(trust.trustManager(), trust.verifyingSocketFactory(),
                    addresses(dnsResolver), server.port(), LoopbackPolicyHosts.TIMEOUT);
            MtaStsResolver fromDns = new MtaStsResolver(name -> txtRecords(dnsResolver, name), fetcher, clock);

            assertThat(fromDns.policyFor("example.com")).map(MtaStsPolicy::id).contains("20240501");
            assertThat(dns.queries(TXT_NAME, Type.TXT)).isEqualTo(1);
            assertThat(dns.queries("mta-sts.example.com", Type.A)).isEqualTo(1);
            assertThat(server.requests("example.com")).isEqualTo(1);
        }
    }

    private void publish(String id, String policyText) {
        txt.put(TXT_NAME, List.of("v=STSv1; id=" + id + ";"));
        server.policy("example.com", policyText);
    }

    private static List<String> txtRecords(SimpleResolver dnsResolver, String name) {
        return Stream.of(lookup(dnsResolver, name, Type.TXT))
                .map(record -> String.join("", ((TXTRecord) record).getStrings()))
                .toList();
    }

    private static Dns addresses(SimpleResolver dnsResolver) {
        return hostname -> {
            Record[] records = lookup(dnsResolver, hostname, Type.A);
            if (records.length == 0) {
                throw new UnknownHostException(hostname);
            }
            return Arrays.stream(records).map(record -> ((ARecord) record).getAddress()).toList();
        };
    }

    private static Record[] lookup(SimpleResolver dnsResolver, String name, int type) {
        try {
            Lookup lookup = new Lookup(name, type, DClass.IN);
            lookup.setResolver(dnsResolver);
            lookup.setCache(new Cache(DClass.IN));
            lookup.setSearchPath(new String[0]);
            Record[] records = lookup.run();
            return records == null ? new Record[0] : records;
        } catch (TextParseException e) {
            throw new IllegalArgumentException(name, e);
        }
    }
}
