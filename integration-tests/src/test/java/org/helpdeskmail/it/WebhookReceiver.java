package org.helpdeskmail.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Function;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

/**
 * The helpdesk app's webhook endpoint, as a real HTTP server on 127.0.0.1: it keeps every request
 * and answers what the test decides, request by request.
 */
public final class WebhookReceiver implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    public record Request(Map<String, String> headers, String body, JsonNode json, int answeredStatus) {
        public String header(String name) {
            return headers.get(name.toLowerCase());
        }
    }

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile Function<JsonNode, Integer> answer = json -> 200;
    private volatile Set<String> knownTenants = Set.of();

    public WebhookReceiver() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/inbound", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, String> headers = new java.util.HashMap<>();
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(), values.get(0)));
            JsonNode json = JSON.readTree(body);
            int status = answer.apply(json);
            requests.add(new Request(Map.copyOf(headers), body, json, status));
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.createContext("/tenants/", exchange -> {
            String tenant = exchange.getRequestURI().getPath().substring("/tenants/".length());
            exchange.sendResponseHeaders(knownTenants.contains(tenant) ? 200 : 404, -1);
            exchange.close();
        });
        server.start();
    }

    /** The tenant lookup of the app: {@code /tenants/{tenant}} answers 200 for these, 404 otherwise. */
    public void knownTenants(String... tenants) {
        knownTenants = Set.of(tenants);
    }

    public String tenantLookupUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/tenants/{tenant}";
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/inbound";
    }

    /** Decides the status of each following request from its JSON. */
    public void answer(Function<JsonNode, Integer> answer) {
        this.answer = answer;
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public List<Request> requestsFor(String rcptTo) {
        return requests.stream().filter(request -> request.json().path("envelope").path("rcptTo").asText().equals(rcptTo)).toList();
    }

    /** The delivery events (DESIGN.md 4.2) of one type received so far. */
    public List<JsonNode> events(String type) {
        return requests.stream().map(Request::json).filter(json -> json.path("event").asText().equals(type)).toList();
    }

    /** Waits up to 30 seconds for {@code count} events of {@code type}; returns all of that type. */
    public List<JsonNode> awaitEvents(String type, int count) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> events(type).size() >= count);
        return events(type);
    }

    /** The signature as the contract defines it, computed here independently of the server's code. */
    public static String expectedSignature(String secret, String timestamp, String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        byte[] digest = mac.doFinal((timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
        return "v1=" + java.util.HexFormat.of().formatHex(digest);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
