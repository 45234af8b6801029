package org.helpdeskmail.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class WebhookSignerTest {
    @Test
    void signsTimestampDotBodyWithHmacSha256() {
        // Reference value: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'secret-of-sixteen+'
        String signature = new WebhookSigner("secret-of-sixteen+").sign(1700000000L, "{\"a\":1}".getBytes(StandardCharsets.UTF_8));

        assertThat(signature).isEqualTo("v1=" + OpenSslReference.HMAC);
    }

    @Test
    void incrementalSignatureEqualsOneShot() {
        WebhookSigner signer = new WebhookSigner("another-secret-value");
        byte[] body = "{\"subject\":\"héllo\"}".getBytes(StandardCharsets.UTF_8);
        WebhookSigner.Signature signature = signer.start(42);
        signature.update(body, 0, 5);
        signature.update(body, 5, body.length - 5);

        assertThat(signature.value()).isEqualTo(signer.sign(42, body)).isNotEqualTo(signer.sign(43, body));
    }

    @Test
    void judgesStatusesAsTheContractSays() {
        assertThat(WebhookClient.judge(200, "").verdict()).isEqualTo(WebhookClient.Verdict.DELIVERED);
        assertThat(WebhookClient.judge(204, "").verdict()).isEqualTo(WebhookClient.Verdict.DELIVERED);
        assertThat(WebhookClient.judge(429, "").verdict()).isEqualTo(WebhookClient.Verdict.RETRY);
        assertThat(WebhookClient.judge(503, "down").verdict()).isEqualTo(WebhookClient.Verdict.RETRY);
        assertThat(WebhookClient.judge(404, "no such tenant").verdict()).isEqualTo(WebhookClient.Verdict.REJECTED);
        assertThat(WebhookClient.judge(400, "bad").detail()).isEqualTo("HTTP 400: bad");
    }
}
