package org.helpdeskmail.smtp;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.apache.james.core.Username;

/**
 * Passwords the users repository accepted a moment ago, so that an app that opens a session per
 * notification does not pay the password hash (PBKDF2, deliberately slow) every time. Only an HMAC
 * of each password is held, under a key made at start and never stored, and only for
 * {@code verifiedFor}: a password changed or a user removed meanwhile keeps working that long on
 * this node, as with Dovecot's authentication cache.
 */
final class VerifiedCredentials {
    private record Entry(byte[] digest, Instant until) {
    }

    private final SecretKeySpec key;
    private final Duration verifiedFor;
    private final Clock clock;
    private final Map<Username, Entry> entries = new ConcurrentHashMap<>();

    VerifiedCredentials(Duration verifiedFor, Clock clock) {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        this.key = new SecretKeySpec(secret, "HmacSHA256");
        this.verifiedFor = verifiedFor;
        this.clock = clock;
    }

    boolean matches(Username username, String password) {
        Entry entry = entries.get(username);
        return entry != null && entry.until().isAfter(clock.instant()) && MessageDigest.isEqual(entry.digest(), digest(username, password));
    }

    void remember(Username username, String password) {
        entries.put(username, new Entry(digest(username, password), clock.instant().plus(verifiedFor)));
    }

    void forget(Username username) {
        entries.remove(username);
    }

    private byte[] digest(Username username, String password) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update(username.asString().getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            return mac.doFinal(password.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }
}
