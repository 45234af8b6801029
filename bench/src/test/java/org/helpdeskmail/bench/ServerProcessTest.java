package org.helpdeskmail.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerProcessTest {
    @TempDir
    Path conf;

    @Test
    void liftsTheLimitsPerClientAndPerSenderOnly() throws Exception {
        Path xml = conf.resolve("smtpserver.xml");
        Files.writeString(xml, """
            <handler class="org.helpdeskmail.smtp.Throttling">
                <connectionsPerMinute>300</connectionsPerMinute>
                <messagesPerMinute> 300 </messagesPerMinute>
                <recipientsPerMinute>600</recipientsPerMinute>
                <messagesPerSenderPerMinute>300</messagesPerSenderPerMinute>
            </handler>
            <connectionLimit>500</connectionLimit>
            <connectionLimitPerIP>20</connectionLimitPerIP>
            """);

        ServerProcess.liftRateLimits(xml);

        assertThat(Files.readString(xml))
            .contains("<connectionsPerMinute>100000000</connectionsPerMinute>", "<messagesPerMinute>100000000</messagesPerMinute>",
                "<recipientsPerMinute>100000000</recipientsPerMinute>", "<messagesPerSenderPerMinute>100000000</messagesPerSenderPerMinute>",
                "<connectionLimitPerIP>0</connectionLimitPerIP>", "<connectionLimit>500</connectionLimit>");
    }

    @TempDir
    Path distribution;

    @TempDir
    Path home;

    @Test
    void aStartThatFailsOnAKeptWorkDirectorySaysWhyWithTheLogOfThatStartOnly() throws Exception {
        // A launcher that dies at once, as the server does on a journal it cannot read
        Files.createDirectories(distribution.resolve("conf"));
        Path launcher = Files.createDirectories(distribution.resolve("bin")).resolve("helpdesk-mail");
        Files.writeString(launcher, "#!/bin/sh\necho \"starting on $HELPDESK_VAR_DIR\"\necho 'journal damaged'\nexit 3\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        ServerProcess.Launch launch = ServerProcess.Launch.of(distribution, "http://127.0.0.1:9/inbound", "helpdesk.localhost", 9);

        assertThatThrownBy(() -> ServerProcess.startIn(home, launch)).hasMessageContaining("exited with 3");
        assertThatThrownBy(() -> ServerProcess.startIn(home, launch))
            .hasMessageContaining("exited with 3")
            .satisfies(e -> assertThat(e.getMessage().split("journal damaged", -1)).hasSize(2)); // this start's line, once

        assertThat(Files.readString(home.resolve("server.log")).split("journal damaged", -1)).hasSize(3); // both starts kept
        assertThat(home.resolve("conf")).isDirectory();
    }
}
