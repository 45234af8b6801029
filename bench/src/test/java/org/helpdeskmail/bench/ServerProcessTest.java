package org.helpdeskmail.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

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
}
