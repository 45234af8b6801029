package org.helpdeskmail.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class BenchmarkOptionsTest {

    @Test
    void defaultsMatchThePeerRun() {
        BenchmarkOptions options = BenchmarkOptions.parse();

        assertThat(options.messages()).isEqualTo(2000);
        assertThat(options.concurrency()).isEqualTo(10);
        assertThat(options.messagesPerSession()).isEqualTo(1);
        assertThat(options.recipients().pattern()).isEqualTo(AddressPattern.DEFAULT_RECIPIENTS);
        assertThat(options.senders().pattern()).isEqualTo(AddressPattern.DEFAULT_SENDERS);
        assertThat(options.keepRateLimits()).isFalse();
        assertThat(options.output()).isEqualTo(Path.of("bench/target/inbound-2k.json"));
    }

    @Test
    void theOutputNameSaysTheMixAndTheMode() {
        assertThat(BenchmarkOptions.parse("--mix", "2k:9,50k:1", "--smtp-only").output())
            .isEqualTo(Path.of("bench/target/inbound-2k_9_50k_1-smtp-only.json"));
    }

    @Test
    void refusesUnknownOptionsAndMissingValues() {
        assertThatThrownBy(() -> BenchmarkOptions.parse("--fast")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BenchmarkOptions.parse("--messages")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BenchmarkOptions.parse("--concurrency", "0")).isInstanceOf(IllegalArgumentException.class);
    }
}
