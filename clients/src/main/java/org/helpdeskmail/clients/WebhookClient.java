package org.helpdeskmail.clients;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * POSTs signed JSON to a webhook through one pooled OkHttp client and tells what the answer means
 * for the mail: delivered (2xx), to retry later (429, 5xx, timeout, refused connection, any I/O
 * error) or rejected for good (any other status).
 */
public final class WebhookClient implements AutoCloseable {
    private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
    private static final int MAXIMUM_DETAIL_LENGTH = 300;

    public enum Verdict { DELIVERED, RETRY, REJECTED }

    /** @param status the HTTP status, 0 when no answer came */
    public record Outcome(Verdict verdict, int status, String detail) {
    }

    /** What a POST carries besides its body. */
    public record Delivery(URI url, String id, long timestampSeconds, String signature) {
    }

    private final OkHttpClient http;

    public WebhookClient(Duration connectTimeout, Duration readTimeout) {
        this.http = new OkHttpClient.Builder()
            .connectTimeout(connectTimeout)
            .readTimeout(readTimeout)
            .writeTimeout(readTimeout)
            // A pooled connection the app closed fails at once; resending is safe, X-Helpdesk-Id makes it idempotent.
            .retryOnConnectionFailure(true)
            .followRedirects(false)
            .build();
    }

    public Outcome post(Delivery delivery, Path body) {
        return post(delivery, RequestBody.create(body.toFile(), JSON));
    }

    /** For small bodies such as delivery events. */
    public Outcome post(Delivery delivery, byte[] body) {
        return post(delivery, RequestBody.create(body, JSON));
    }

    private Outcome post(Delivery delivery, RequestBody body) {
        Request request = new Request.Builder()
            .url(delivery.url().toString())
            .header("X-Helpdesk-Id", delivery.id())
            .header("X-Helpdesk-Timestamp", Long.toString(delivery.timestampSeconds()))
            .header("X-Helpdesk-Signature", delivery.signature())
            .header("User-Agent", "helpdesk-mail")
            .post(body)
            .build();
        try (Response response = http.newCall(request).execute()) {
            return judge(response.code(), response.body() == null ? "" : response.body().string());
        } catch (IOException e) {
            return new Outcome(Verdict.RETRY, 0, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    static Outcome judge(int status, String responseBody) {
        String detail = "HTTP " + status + (responseBody.isBlank() ? "" : ": " + abbreviate(responseBody.strip()));
        if (status >= 200 && status < 300) {
            return new Outcome(Verdict.DELIVERED, status, detail);
        }
        if (status == 429 || status >= 500 || status == 408) {
            return new Outcome(Verdict.RETRY, status, detail);
        }
        return new Outcome(Verdict.REJECTED, status, detail);
    }

    private static String abbreviate(String text) {
        return text.length() <= MAXIMUM_DETAIL_LENGTH ? text : text.substring(0, MAXIMUM_DETAIL_LENGTH) + "...";
    }

    @Override
    public void close() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }
}
