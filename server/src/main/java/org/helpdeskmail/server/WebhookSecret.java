package org.helpdeskmail.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/** The HMAC secret of the webhooks when the deployment gives none: generated once, kept in var/secrets/. */
final class WebhookSecret {
    static final String FILE = "secrets/webhook-secret";

    private WebhookSecret() {
    }

    static String readOrGenerate(Path varDirectory) throws IOException {
        Path file = varDirectory.resolve(FILE);
        if (!Files.exists(file)) {
            Files.createDirectories(file.getParent());
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            Files.writeString(file, HexFormat.of().formatHex(random) + "\n", StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        }
        return Files.readString(file, StandardCharsets.UTF_8).trim();
    }
}
