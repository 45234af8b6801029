package org.helpdeskmail.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class KillRecoveryOptionsTest {

    @Test
    void defaultsAreAHundredKillsUnderTwentyMessagesASecond() {
        KillRecoveryOptions options = KillRecoveryOptions.parse();

        assertThat(options.kills()).isEqualTo(100);
        assertThat(options.ratePerSecond()).isEqualTo(20.0);
        assertThat(options.minimumLoad()).isEqualTo(Duration.ofSeconds(2));
        assertThat(options.maximumLoad()).isEqualTo(Duration.ofSeconds(6));
        assertThat(options.drainTimeout()).isEqualTo(Duration.ofSeconds(120));
    }

    @Test
    void readsTheKillsTheLoadRangeAndTheSeed() {
        KillRecoveryOptions options = KillRecoveryOptions.parse("--kills", "3", "--load-seconds", "0.5-1.5", "--seed", "42");

        assertThat(options.kills()).isEqualTo(3);
        assertThat(options.minimumLoad()).isEqualTo(Duration.ofMillis(500));
        assertThat(options.maximumLoad()).isEqualTo(Duration.ofMillis(1500));
        assertThat(options.seed()).isEqualTo(42);
        assertThat(KillRecoveryOptions.parse("--load-seconds", "3").maximumLoad()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void refusesAnUnpacedLoadAnInvertedRangeAndUnknownOptions() {
        assertThatThrownBy(() -> KillRecoveryOptions.parse("--rate", "0")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KillRecoveryOptions.parse("--load-seconds", "6-2")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KillRecoveryOptions.parse("--kills", "0")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KillRecoveryOptions.parse("--kill")).isInstanceOf(IllegalArgumentException.class);
    }
}
