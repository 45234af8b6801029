package org.helpdeskmail.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerFiguresTest {
    @TempDir
    Path folder;

    private static String outboundRow(String mode, double messagesPerSecond, double cpu, double milterCpu) {
        return String.format(java.util.Locale.ROOT, "{\"size\": \"2k\", \"mode\": \"%s\", \"n\": 5000, \"ok\": true, \"e2e_msg_s\": %s, "
            + "\"smtp_msg_s\": 200.0, \"cpu_ms_per_msg\": %s, \"cpu_milter_ms_per_msg\": %s, \"mem_peak_cg_rss_mb\": 40.0, "
            + "\"mem_peak_sum_rss_mb\": 400.0}%n", mode, messagesPerSecond, cpu, milterCpu);
    }

    @Test
    void outboundRowsOfOneModeWithTheMilterCpuAdded() throws IOException {
        Path rows = folder.resolve("outbound.jsonl");
        Files.writeString(rows, outboundRow("plain", 200, 8, 0) + outboundRow("dkim", 90, 8, 4) + outboundRow("dkim", 100, 8.2, 3.8)
            + outboundRow("dkim", 95, 8.1, 3.9));

        PeerFigures dkim = PeerFigures.read(rows, "2k", "dkim");

        assertThat(dkim.runs()).isEqualTo(3);
        assertThat(dkim.messagesPerSecond()).isEqualTo(95.0);
        assertThat(dkim.cpuMsPerMessage()).isEqualTo(12.0);
        assertThat(PeerFigures.read(rows, "2k", "plain").messagesPerSecond()).isEqualTo(200.0);
        assertThatThrownBy(() -> PeerFigures.read(rows, "50k", "dkim")).hasMessageContaining("mode dkim");
    }
}
