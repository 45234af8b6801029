package org.helpdeskmail.clients.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509TrustManager;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import okhttp3.Dns;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSource;

/**
 * Fetches {@code https://mta-sts.<domain>/.well-known/mta-sts.txt} as RFC 8461 §3.3 asks: the
 * certificate must chain to the given trust and name {@code mta-sts.<domain>}; redirects are not
 * followed and no HTTP cache is used; only a 200 with {@code text/plain} and at most
 * {@value #MAX_BODY_BYTES} bytes counts. Anything else means "no policy fetched", logged with the reason.
 *
 * <p>Host names resolve through the given {@link Dns} (the server's own resolver, never the
 * system's); the port is 443 unless a test gives another.
 */
public final class MtaStsPolicyFetcher {
    public static final int HTTPS_PORT = 443;
    /** RFC 8461 §3.3 suggests senders limit policy bodies to 64 KB. */
    public static final int MAX_BODY_BYTES = 64 * 1024;
    /** Connect and read timeout each; the whole call gets twice that. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger LOGGER = LoggerFactory.getLogger(MtaStsPolicyFetcher.class);
    private static final String POLICY_PATH = ".well-known/mta-sts.txt";

    private final OkHttpClient http;
    private final int port;

    /**
     * @param trustManager the CAs a policy host's certificate must chain to
     * @param socketFactory TLS sockets built on that same trust manager
     * @param dns resolves {@code mta-sts.<domain>}
     * @param port {@link #HTTPS_PORT}, or a test's
     * @param timeout connect and read timeout
     */
    public MtaStsPolicyFetcher(X509TrustManager trustManager, SSLSocketFactory socketFactory, Dns dns, int port, Duration timeout) {
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("MTA-STS policy port must be 1 to 65535, not " + port);
        }
        this.port = port;
        this.http = new OkHttpClient.Builder()
                .sslSocketFactory(socketFactory, trustManager)
                .dns(dns)
                .followRedirects(false)
                .followSslRedirects(false)
                .retryOnConnectionFailure(false)
                .connectTimeout(timeout)
                .readTimeout(timeout)
                .callTimeout(timeout.multipliedBy(2))
                .build();
    }

    /** The production fetcher: port 443, {@link #DEFAULT_TIMEOUT}, trust from {@code trust}. */
    public MtaStsPolicyFetcher(OutboundTrust trust, Dns dns) {
        this(trust.trustManager(), trust.verifyingSocketFactory(), dns, HTTPS_PORT, DEFAULT_TIMEOUT);
    }

    /** The policy text of {@code domain}, if fetched as the RFC requires. */
    public Optional<String> fetchText(String domain) {
        HttpUrl url;
        try {
            url = new HttpUrl.Builder().scheme("https").host("mta-sts." + HostNames.normalize(domain)).port(port)
                    .addPathSegments(POLICY_PATH).build();
        } catch (IllegalArgumentException e) {
            LOGGER.info("MTA-STS policy of {} not fetched: not a host name ({})", domain, e.getMessage());
            return Optional.empty();
        }
        Request request = new Request.Builder().url(url).header("Cache-Control", "no-cache").get().build();
        try (Response response = http.newCall(request).execute()) {
            if (response.code() != 200) {
                LOGGER.info("MTA-STS policy of {} not fetched: {} answered HTTP {}", domain, url, response.code());
                return Optional.empty();
            }
            ResponseBody body = response.body();
            MediaType type = body == null ? null : body.contentType();
            if (type == null || !type.type().equals("text") || !type.subtype().equals("plain")) {
                LOGGER.info("MTA-STS policy of {} not fetched: {} is {}, not text/plain", domain, url, type);
                return Optional.empty();
            }
            BufferedSource source = body.source();
            if (source.request(MAX_BODY_BYTES + 1L)) {
                LOGGER.info("MTA-STS policy of {} not fetched: {} is larger than {} bytes", domain, url, MAX_BODY_BYTES);
                return Optional.empty();
            }
            return Optional.of(source.getBuffer().readString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            LOGGER.info("MTA-STS policy of {} not fetched from {}: {}", domain, url, e.toString());
            return Optional.empty();
        }
    }

    /** The policy of {@code domain}, valid per RFC 8461 §3.2, recorded under the TXT record's {@code id}. */
    public Optional<MtaStsPolicy> fetch(String domain, String id) {
        Optional<String> text = fetchText(domain);
        Optional<MtaStsPolicy> policy = text.flatMap(body -> MtaStsPolicy.parse(body, id));
        if (text.isPresent() && policy.isEmpty()) {
            LOGGER.info("MTA-STS policy of {} (id {}) is not a valid STSv1 policy: ignored", domain, id);
        }
        return policy;
    }
}
