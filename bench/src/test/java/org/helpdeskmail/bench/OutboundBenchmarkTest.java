package org.helpdeskmail.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutboundBenchmarkTest {
    @TempDir
    Path conf;

    /** The project's own mailetcontainer.xml: the benchmark must keep up with it. */
    private Path mailetContainer() throws IOException {
        Path copy = conf.resolve("mailetcontainer.xml");
        Files.copy(Path.of("../james-conf/mailetcontainer.xml"), copy);
        return copy;
    }

    @Test
    void pointsMxDeliveryAtTheSinkAndKeepsDkimSigning() throws Exception {
        Path xml = mailetContainer();

        OutboundBenchmark.deliverTo(xml, 40123, true);

        String edited = Files.readString(xml);
        assertThat(edited).contains("<port>40123</port>", "org.helpdeskmail.mailets.DkimSign").doesNotContain("<port>25</port>");
    }

    @Test
    void withoutDkimTheSignerLeavesTheOutboundProcessor() throws Exception {
        Path xml = mailetContainer();

        OutboundBenchmark.deliverTo(xml, 40123, false);

        assertThat(Files.readString(xml)).doesNotContain("org.helpdeskmail.mailets.DkimSign").contains("org.helpdeskmail.mailets.MxDelivery");
    }

    @Test
    void failsWhenThereIsNoDeliveryPortToEdit() throws Exception {
        Path xml = conf.resolve("mailetcontainer.xml");
        Files.writeString(xml, "<mailetcontainer/>");

        assertThatThrownBy(() -> OutboundBenchmark.deliverTo(xml, 40123, true)).isInstanceOf(IOException.class).hasMessageContaining("MxDelivery");
    }

    @Test
    void optionsNeedTheCgroupsOfAPeer() {
        assertThat(OutboundOptions.parse().output()).isEqualTo(Path.of("bench/results/outbound-2k.json"));
        assertThat(OutboundOptions.parse("--mix", "50k", "--no-dkim").output()).isEqualTo(Path.of("bench/results/outbound-50k-no-dkim.json"));
        assertThatThrownBy(() -> OutboundOptions.parse("--peer", "127.0.0.1:2525")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("--peer-cpu-cgroups");
        assertThatThrownBy(() -> OutboundOptions.parse("--recipient", "user{n}@{n}.example")).isInstanceOf(IllegalArgumentException.class);
    }
}
