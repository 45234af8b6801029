package org.helpdeskmail.mailets;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    private final RetryPolicy policy = new RetryPolicy(Duration.ofMinutes(5), Duration.ofMinutes(90), Duration.ofDays(5));

    @Test
    void theDelayDoublesFromTheInitialOneUpToTheMaximum() {
        assertThat(policy.delayAfter(1)).isEqualTo(Duration.ofMinutes(5));
        assertThat(policy.delayAfter(2)).isEqualTo(Duration.ofMinutes(10));
        assertThat(policy.delayAfter(3)).isEqualTo(Duration.ofMinutes(20));
        assertThat(policy.delayAfter(4)).isEqualTo(Duration.ofMinutes(40));
        assertThat(policy.delayAfter(5)).isEqualTo(Duration.ofMinutes(80));
        assertThat(policy.delayAfter(6)).as("capped, not 160").isEqualTo(Duration.ofMinutes(90));
        assertThat(policy.delayAfter(7)).isEqualTo(Duration.ofMinutes(90));
    }

    @Test
    void manyAttemptsStayAtTheMaximum() {
        assertThat(policy.delayAfter(10_000)).isEqualTo(Duration.ofMinutes(90));
        assertThat(policy.delayAfter(Integer.MAX_VALUE)).isEqualTo(Duration.ofMinutes(90));
    }

    @Test
    void anEqualInitialAndMaximumDelayIsAFixedInterval() {
        RetryPolicy fixed = new RetryPolicy(Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofHours(1));

        assertThat(fixed.delayAfter(1)).isEqualTo(Duration.ofMinutes(1));
        assertThat(fixed.delayAfter(50)).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void expiresWhenTheFirstAttemptIsMaxAgeOld() {
        Instant first = Instant.parse("2024-05-01T10:00:00Z");

        assertThat(policy.expired(first, first)).isFalse();
        assertThat(policy.expired(first, first.plus(Duration.ofDays(5)).minusMillis(1))).isFalse();
        assertThat(policy.expired(first, first.plus(Duration.ofDays(5)))).isTrue();
        assertThat(policy.expired(first, first.plus(Duration.ofDays(6)))).isTrue();
    }
}
