package org.helpdeskmail.server.modules;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The JMX account of {@code bin/james-cli}: generated once into var/jmx/, readable by the owner only.
 * The plain password file is what the james-cli wrapper reads; the jmxremote files are what the
 * JMX connector checks.
 */
public final class JmxCredentials {
    public static final String DIRECTORY = "jmx";
    public static final String USER = "james-admin";
    public static final String PLAIN_PASSWORD_FILE = "password";
    static final String PASSWORD_FILE = "jmxremote.password";
    static final String ACCESS_FILE = "jmxremote.access";

    private JmxCredentials() {
    }

    public static void ensure(Path varDirectory) throws IOException {
        Path directory = varDirectory.resolve(DIRECTORY);
        Files.createDirectories(directory);
        Path plain = directory.resolve(PLAIN_PASSWORD_FILE);
        if (!Files.exists(plain)) {
            byte[] random = new byte[18];
            new SecureRandom().nextBytes(random);
            writeOwnerOnly(plain, HexFormat.of().formatHex(random) + "\n");
        }
        String password = Files.readString(plain, StandardCharsets.UTF_8).trim();
        writeOwnerOnly(directory.resolve(PASSWORD_FILE), USER + " " + password + "\n");
        writeOwnerOnly(directory.resolve(ACCESS_FILE), USER + " readwrite\n");
    }

    private static void writeOwnerOnly(Path file, String content) throws IOException {
        Files.writeString(file, content, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }
}
