package org.helpdeskmail.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.helpdeskmail.testing.ManualClock;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
    private static final Duration MINUTE = Duration.ofMinutes(1);

    private final ManualClock clock = new ManualClock();

    private static int acquireAll(RateLimiter limiter, String key, int attempts) {
        int granted = 0;
        for (int i = 0; i < attempts; i++) {
            if (limiter.tryAcquire(key)) {
                granted++;
            }
        }
        return granted;
    }

    @Test
    void allowsABurstOfTheCapacityThenRefuses() {
        RateLimiter limiter = new RateLimiter(60, MINUTE, clock);

        assertThat(acquireAll(limiter, "198.51.100.7", 100)).isEqualTo(60);
        assertThat(limiter.tryAcquire("198.51.100.7")).isFalse();
    }

    @Test
    void refillsLazilyAtCapacityPerPeriod() {
        RateLimiter limiter = new RateLimiter(60, MINUTE, clock);
        acquireAll(limiter, "k", 60);

        clock.advance(Duration.ofMillis(999));
        assertThat(limiter.tryAcquire("k")).isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(limiter.tryAcquire("k")).isTrue();
        assertThat(limiter.tryAcquire("k")).isFalse();

        clock.advance(Duration.ofSeconds(30));
        assertThat(acquireAll(limiter, "k", 100)).isEqualTo(30);
    }

    @Test
    void neverHoldsMoreThanTheCapacity() {
        RateLimiter limiter = new RateLimiter(10, MINUTE, clock);
        limiter.tryAcquire("k");

        clock.advance(Duration.ofHours(5));

        assertThat(acquireAll(limiter, "k", 100)).isEqualTo(10);
    }

    @Test
    void keysHaveTheirOwnBuckets() {
        RateLimiter limiter = new RateLimiter(2, MINUTE, clock);
        acquireAll(limiter, "a", 2);

        assertThat(limiter.tryAcquire("a")).isFalse();
        assertThat(limiter.tryAcquire("b")).isTrue();
    }

    @Test
    void takesSeveralTokensAtOnceOrNone() {
        RateLimiter limiter = new RateLimiter(5, MINUTE, clock);

        assertThat(limiter.tryAcquire("k", 3)).isTrue();
        assertThat(limiter.available("k")).isEqualTo(2);
        assertThat(limiter.tryAcquire("k", 3)).isFalse();
        assertThat(limiter.available("k")).isEqualTo(2);
        assertThat(limiter.tryAcquire("k", 2)).isTrue();
        assertThat(limiter.available("k")).isZero();
    }

    @Test
    void refusesMoreTokensThanTheCapacityEvenWhenFull() {
        RateLimiter limiter = new RateLimiter(5, MINUTE, clock);

        assertThat(limiter.tryAcquire("k", 6)).isFalse();
        assertThat(limiter.available("k")).isEqualTo(5);
    }

    @Test
    void forgetsKeysWhoseBucketIsFullAgain() {
        RateLimiter limiter = new RateLimiter(60, MINUTE, clock);
        limiter.tryAcquire("one");
        acquireAll(limiter, "sixty", 60);
        assertThat(limiter.trackedKeys()).isEqualTo(2);

        clock.advance(Duration.ofSeconds(1));
        assertThat(limiter.trackedKeys()).as("one token back after 1 s: 'one' is full, 'sixty' is not").isEqualTo(1);

        clock.advance(Duration.ofSeconds(59));
        assertThat(limiter.trackedKeys()).isZero();
        assertThat(limiter.available("sixty")).isEqualTo(60);
    }

    @Test
    void dropsFullBucketsWithoutBeingAskedOncePerPeriod() {
        RateLimiter limiter = new RateLimiter(60, MINUTE, clock);
        for (int i = 0; i < 50; i++) {
            limiter.tryAcquire("client-" + i);
        }
        clock.advance(Duration.ofMinutes(2));

        limiter.tryAcquire("late");

        assertThat(limiter).hasToString("RateLimiter[60 per PT1M, 1 keys]");
    }

    @Test
    void boundsTheKeysByEvictingTheIdlest() {
        RateLimiter limiter = new RateLimiter(10, MINUTE, clock, 3);
        acquireAll(limiter, "abuser", 10);
        clock.advance(Duration.ofSeconds(1));
        limiter.tryAcquire("quiet-1");
        clock.advance(Duration.ofSeconds(1));
        limiter.tryAcquire("quiet-2");
        clock.advance(Duration.ofSeconds(1));

        limiter.tryAcquire("newcomer");

        assertThat(limiter.trackedKeys()).isLessThanOrEqualTo(3);
        assertThat(limiter.tryAcquire("abuser")).as("the emptiest bucket is kept").isFalse();
        assertThat(limiter.available("quiet-1")).as("the idlest bucket was forgotten, i.e. refilled").isEqualTo(10);
    }

    @Test
    void staysBoundedUnderAFloodOfNewKeys() {
        RateLimiter limiter = new RateLimiter(5, MINUTE, clock, 1_000);
        for (int i = 0; i < 20_000; i++) {
            limiter.tryAcquire("10.0." + (i / 256) + "." + (i % 256));
        }

        assertThat(limiter.trackedKeys()).isLessThanOrEqualTo(1_000);
    }

    @Test
    void grantsExactlyTheCapacityToConcurrentCallers() throws Exception {
        RateLimiter limiter = new RateLimiter(1_000, MINUTE, clock);
        ExecutorService executor = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int thread = 0; thread < 8; thread++) {
                results.add(executor.submit(() -> {
                    start.await();
                    return acquireAll(limiter, "shared", 500);
                }));
            }
            start.countDown();
            int granted = 0;
            for (Future<Integer> result : results) {
                granted += result.get(30, TimeUnit.SECONDS);
            }

            assertThat(granted).isEqualTo(1_000);
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void rejectsNonsensicalParameters() {
        assertThatThrownBy(() -> new RateLimiter(0, MINUTE, clock)).hasMessageContaining("capacity");
        assertThatThrownBy(() -> new RateLimiter(1, Duration.ZERO, clock)).hasMessageContaining("refill period");
        assertThatThrownBy(() -> new RateLimiter(1, MINUTE, clock, 0)).hasMessageContaining("maxKeys");
        assertThatThrownBy(() -> new RateLimiter(1, MINUTE, clock).tryAcquire("k", 0)).hasMessageContaining("tokens");
    }
}
