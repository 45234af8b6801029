package org.helpdeskmail.mailets;

import java.time.Duration;
import java.time.Instant;

/**
 * When to try again: a delay that doubles from {@code initialDelay} up to {@code maxDelay}, until the
 * first attempt is {@code maxAge} old.
 */
public record RetryPolicy(Duration initialDelay, Duration maxDelay, Duration maxAge) {

    /** The delay before the next attempt, after {@code attempts} failed ones (1 for the first failure). */
    public Duration delayAfter(int attempts) {
        Duration delay = initialDelay;
        for (int i = 1; i < attempts && delay.compareTo(maxDelay) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(maxDelay) > 0 ? maxDelay : delay;
    }

    public boolean expired(Instant firstAttempt, Instant now) {
        return Duration.between(firstAttempt, now).compareTo(maxAge) >= 0;
    }
}
