package org.helpdeskmail.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MessageMixTest {
    @TempDir
    Path samples;

    @Test
    void weightsGiveAFixedRoundRobin() throws Exception {
        Files.writeString(samples.resolve("inbound-2k.eml"), "Subject: a\n\nsmall\n");
        Files.writeString(samples.resolve("inbound-50k.eml"), "Subject: b\n\nlarge\n");

        MessageMix mix = MessageMix.load("2k:2,50k:1", samples);

        assertThat(IntStream.range(0, 6).mapToObj(n -> mix.sampleFor(n).name()))
            .containsExactly("2k", "2k", "50k", "2k", "2k", "50k");
    }

    @Test
    void refusesAMalformedMix() throws Exception {
        Files.writeString(samples.resolve("inbound-2k.eml"), "Subject: a\n\nsmall\n");

        assertThatThrownBy(() -> MessageMix.load("2k:0", samples)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MessageMix.load("2k:1:2", samples)).isInstanceOf(IllegalArgumentException.class);
    }
}
