package org.helpdeskmail.clients;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The signature of both webhooks (DESIGN.md 4.1): {@code v1=} + hex HMAC-SHA256(secret,
 * timestamp + "." + body). The receiver recomputes it and rejects a body or timestamp that changed.
 * A {@link Signature} is fed the body as it is written, so the body is never held twice.
 */
public final class WebhookSigner {
    private static final String ALGORITHM = "HmacSHA256";
    private final SecretKeySpec key;

    public WebhookSigner(String secret) {
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM);
    }

    public Signature start(long timestampSeconds) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            mac.update((timestampSeconds + ".").getBytes(StandardCharsets.US_ASCII));
            return new Signature(mac);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(ALGORITHM + " is part of every Java runtime", e);
        }
    }

    public String sign(long timestampSeconds, byte[] body) {
        Signature signature = start(timestampSeconds);
        signature.update(body, 0, body.length);
        return signature.value();
    }

    /** One signature being computed; not thread-safe. */
    public static final class Signature {
        private final Mac mac;

        private Signature(Mac mac) {
            this.mac = mac;
        }

        public void update(byte[] bytes, int offset, int length) {
            mac.update(bytes, offset, length);
        }

        public String value() {
            return "v1=" + HexFormat.of().formatHex(mac.doFinal());
        }
    }
}
