package org.helpdeskmail.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class WebhookReceiverTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void readsTheTokenFromTheTopLevelSubjectOnly() {
        String body = "{\"envelope\":{\"subject\":\"bench-nested-1\"},\"attachments\":[{\"subject\":\"x\"}],\"subject\":\"Re: bench-k3-42\"}";

        assertThat(WebhookReceiver.subjectOf(body.getBytes(StandardCharsets.UTF_8))).contains("Re: bench-k3-42");
        assertThat(WebhookReceiver.subjectOf("not json".getBytes(StandardCharsets.UTF_8))).isEmpty();
    }

    @Test
    void answers200AndMatchesEachPostToItsToken() throws Exception {
        String withToken = "{\"subject\":\"bench-r1-0\"}";
        String withoutToken = "{\"subject\":\"hello\"}";
        try (WebhookReceiver receiver = WebhookReceiver.start(0, 2)) {
            assertThat(post(receiver, "id-1", withToken)).isEqualTo(200);
            assertThat(post(receiver, "id-1", withToken)).isEqualTo(200); // a retry
            assertThat(post(receiver, "id-2", withoutToken)).isEqualTo(200);

            assertThat(receiver.awaitAll(List.of("bench-r1-0"), Duration.ZERO)).isTrue();
            assertThat(receiver.firstPost("bench-r1-0")).hasValueSatisfying(post -> {
                assertThat(post.helpdeskId()).isEqualTo("id-1");
                assertThat(post.bytes()).isEqualTo(withToken.length());
            });
            assertThat(receiver.stats()).isEqualTo(new WebhookReceiver.Stats(3, 2L * withToken.length() + withoutToken.length(), 1, 1));
            assertThat(receiver.awaitAll(List.of("bench-r1-1"), Duration.ZERO)).isFalse();
            assertThat(receiver.posts("bench-r1-0")).extracting(WebhookReceiver.Post::helpdeskId).containsExactly("id-1", "id-1");
            assertThat(receiver.posts("bench-r1-1")).isEmpty();
            assertThat(receiver.tokens()).containsExactly("bench-r1-0");
        }
    }

    private int post(WebhookReceiver receiver, String id, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + receiver.port() + "/inbound"))
            .header("Content-Type", "application/json").header("X-Helpdesk-Id", id)
            .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
