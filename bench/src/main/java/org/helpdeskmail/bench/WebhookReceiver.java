package org.helpdeskmail.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * Stands in for the helpdesk app's inbound webhook (DESIGN.md 4.1): answers 200 to every POST as
 * fast as it can and remembers, per benchmark token, every POST that carried it (when it was
 * received, its {@code X-Helpdesk-Id}, its size). The token is read from the JSON body's top-level
 * {@code subject}, where the load generator put it. {@code GET /stats} shows the counters, for a
 * look with curl. Listens on loopback only.
 */
public final class WebhookReceiver implements AutoCloseable {
    private static final JsonFactory JSON = new JsonFactory();
    private static final byte[] OK = "{\"ok\":true}".getBytes(StandardCharsets.US_ASCII);

    static {
        // The JDK server writes the response headers and body separately; with Nagle on, the body
        // waits for the client's delayed ACK: ~44 ms per POST on a kept-alive connection (measured
        // here), which would cap the server's delivery rate at the receiver's fault. The property is
        // read once, when the first HttpServer of the JVM is made, so it is set before any.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    /** A POST that carried a token; receivedAtNanos is System.nanoTime() once the body was read. */
    public record Post(String token, String helpdeskId, long receivedAtNanos, int bytes) {
    }

    /** Counters over every POST so far. withoutToken: no bench token in the subject; duplicates: a token seen again (a retry). */
    public record Stats(long posts, long bytes, long withoutToken, long duplicates) {
    }

    private final HttpServer server;
    private final ExecutorService handlers;
    private final ArrivalLog<Post> log = new ArrivalLog<>();

    private WebhookReceiver(HttpServer server, ExecutorService handlers) {
        this.server = server;
        this.handlers = handlers;
    }

    /** Starts on 127.0.0.1:port (0: any free port). */
    public static WebhookReceiver start(int port, int threads) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
        ExecutorService handlers = Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, "webhook-receiver");
            thread.setDaemon(true);
            return thread;
        });
        WebhookReceiver receiver = new WebhookReceiver(server, handlers);
        server.createContext("/", receiver::handle);
        server.setExecutor(handlers);
        server.start();
        return receiver;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public Stats stats() {
        ArrivalLog.Counts counts = log.counts();
        return new Stats(counts.arrivals(), counts.bytes(), counts.withoutToken(), counts.duplicates());
    }

    public Optional<Post> firstPost(String token) {
        return log.first(token);
    }

    /** Waits until a POST carried each of the tokens; false when the timeout came first. */
    public boolean awaitAll(Collection<String> tokens, Duration timeout) throws InterruptedException {
        return log.awaitAll(tokens, timeout);
    }

    /** Every POST that carried the token, first one first (more than one: the server delivered it again). */
    public List<Post> posts(String token) {
        return log.all(token);
    }

    /** Every token a POST carried so far. */
    public Set<String> tokens() {
        return log.tokens();
    }

    public long receivedOf(Collection<String> tokens) {
        return log.receivedOf(tokens);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            if ("POST".equals(exchange.getRequestMethod())) {
                record(exchange.getRequestHeaders().getFirst("X-Helpdesk-Id"), body, System.nanoTime());
                reply(exchange, OK);
            } else if ("GET".equals(exchange.getRequestMethod()) && exchange.getRequestURI().getPath().equals("/stats")) {
                Stats s = stats();
                reply(exchange, String.format("{\"posts\":%d,\"bytes\":%d,\"withoutToken\":%d,\"duplicates\":%d}",
                    s.posts(), s.bytes(), s.withoutToken(), s.duplicates()).getBytes(StandardCharsets.US_ASCII));
            } else {
                exchange.sendResponseHeaders(404, -1);
            }
        }
    }

    private void record(String helpdeskId, byte[] body, long receivedAtNanos) {
        Optional<String> token = subjectOf(body).flatMap(ArrivalLog::tokenIn);
        log.record(token, new Post(token.orElse(null), helpdeskId, receivedAtNanos, body.length), body.length);
    }

    /** The top-level "subject" of a JSON object, read with the streaming parser: the rest is skipped, not built. */
    static Optional<String> subjectOf(byte[] body) {
        try (JsonParser parser = JSON.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return Optional.empty();
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.getCurrentName();
                JsonToken value = parser.nextToken();
                if ("subject".equals(field) && value == JsonToken.VALUE_STRING) {
                    return Optional.of(parser.getText());
                }
                parser.skipChildren();
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // not JSON: counted as a POST without token
        }
    }

    private static void reply(HttpExchange exchange, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        handlers.shutdownNow();
    }

    /** Runs the receiver alone (for a check with curl): {@code WebhookReceiver [PORT]}, stops on Ctrl-C. */
    public static void main(String[] args) throws Exception {
        WebhookReceiver receiver = start(args.length > 0 ? Integer.parseInt(args[0]) : 0, 16);
        System.out.println("webhook receiver on http://127.0.0.1:" + receiver.port() + "/inbound (GET /stats for the counters)");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("stats: " + receiver.stats());
            receiver.close();
        }));
        Thread.currentThread().join();
    }
}
