package org.helpdeskmail.testing.tls;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

/**
 * A real HTTPS server on 127.0.0.1 (random port) playing the policy hosts of RFC 8461 §3.3:
 * {@code GET https://mta-sts.<domain>/.well-known/mta-sts.txt} answers with what the test set for
 * that domain, chosen by the {@code Host} header, so one server serves several domains.
 *
 * <pre>{@code
 * TestCertificateAuthority ca = TestCertificateAuthority.create("test CA");
 * try (MtaStsPolicyServer policies = MtaStsPolicyServer.start(ca, "example.com")) {
 *     policies.policy("example.com", "version: STSv1\nmode: enforce\nmx: mx.example.com\nmax_age: 86400\n");
 *     // the fetcher connects to 127.0.0.1:policies.port() for mta-sts.example.com
 *     policies.respond("example.com", PolicyResponse.redirect("https://elsewhere.example/"));
 * }
 * }</pre>
 *
 * <p>A domain with nothing set, another path, another method or an unknown host gets 404. Every
 * request is counted per domain (by Host), whatever the answer, so tests can check caching.
 */
public final class MtaStsPolicyServer implements AutoCloseable {
    public static final String POLICY_PATH = "/.well-known/mta-sts.txt";
    private static final String HOST_PREFIX = "mta-sts.";

    /** What the server answers for one domain. */
    public record PolicyResponse(int status, String contentType, String body, Map<String, String> headers) {
        public PolicyResponse {
            headers = Map.copyOf(headers);
        }

        /** 200, {@code text/plain}, the policy text as given (line endings included). */
        public static PolicyResponse policy(String text) {
            return new PolicyResponse(200, "text/plain; charset=utf-8", text, Map.of());
        }

        /** A status with a short plain-text body, e.g. 404 or 500. */
        public static PolicyResponse status(int status) {
            return new PolicyResponse(status, "text/plain", "status " + status + "\n", Map.of());
        }

        /** 302 to {@code location}; RFC 8461 §3.3 says a fetcher must not follow it. */
        public static PolicyResponse redirect(String location) {
            return new PolicyResponse(302, "text/plain", "", Map.of("Location", location));
        }
    }

    private final HttpsServer server;
    private final ExecutorService executor;
    private final Map<String, PolicyResponse> responses = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();

    private MtaStsPolicyServer(HttpsServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Starts with a certificate from {@code authority} for {@code mta-sts.<domain>} of each domain. */
    public static MtaStsPolicyServer start(TestCertificateAuthority authority, String... domains) {
        if (domains.length == 0) {
            throw new IllegalArgumentException("name at least one domain to serve policies for");
        }
        return start(authority.issue(Arrays.stream(domains).map(domain -> HOST_PREFIX + domain).toArray(String[]::new)));
    }

    /** Starts presenting this certificate, e.g. {@link TestCertificateAuthority#selfSigned} for "wrong certificate" tests. */
    public static MtaStsPolicyServer start(IssuedCertificate certificate) {
        try {
            HttpsServer server = HttpsServer.create(new InetSocketAddress(loopback(), 0), 0);
            server.setHttpsConfigurator(new HttpsConfigurator(certificate.sslContext()));
            ExecutorService executor = Executors.newFixedThreadPool(2, task -> {
                Thread thread = new Thread(task, "mta-sts-policy-server");
                thread.setDaemon(true);
                return thread;
            });
            server.setExecutor(executor);
            MtaStsPolicyServer policyServer = new MtaStsPolicyServer(server, executor);
            server.createContext("/", policyServer::handle);
            server.start();
            return policyServer;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the MTA-STS policy server", e);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** From now on {@code domain}'s policy host serves this policy text (200, text/plain). */
    public void policy(String domain, String policyText) {
        respond(domain, PolicyResponse.policy(policyText));
    }

    /** From now on {@code domain}'s policy host answers with this response. */
    public void respond(String domain, PolicyResponse response) {
        responses.put(normalize(domain), response);
    }

    /** {@code domain}'s policy host answers 404 again. */
    public void remove(String domain) {
        responses.remove(normalize(domain));
    }

    /** Requests that arrived for {@code mta-sts.<domain>} (any path or answer). */
    public int requests(String domain) {
        AtomicInteger count = requests.get(normalize(domain));
        return count == null ? 0 : count.get();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String domain = domainOf(exchange.getRequestHeaders().getFirst("Host"));
            if (domain != null) {
                requests.computeIfAbsent(domain, key -> new AtomicInteger()).incrementAndGet();
            }
            PolicyResponse response = domain == null ? null : responses.get(domain);
            boolean policyRequest = "GET".equals(exchange.getRequestMethod())
                    && POLICY_PATH.equals(exchange.getRequestURI().getPath());
            send(exchange, policyRequest && response != null ? response : PolicyResponse.status(404));
        }
    }

    private static void send(HttpExchange exchange, PolicyResponse response) throws IOException {
        byte[] body = response.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", response.contentType());
        response.headers().forEach(exchange.getResponseHeaders()::set);
        exchange.sendResponseHeaders(response.status(), body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** The domain of a {@code mta-sts.<domain>[:port]} Host header, or null for any other host. */
    private static String domainOf(String host) {
        if (host == null) {
            return null;
        }
        String name = normalize(host.replaceFirst(":\\d+$", ""));
        return name.startsWith(HOST_PREFIX) ? name.substring(HOST_PREFIX.length()) : null;
    }

    private static String normalize(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new IllegalStateException("127.0.0.1 is always a valid address", e);
        }
    }
}
