package org.helpdeskmail.clients;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One token bucket per key (a client address, a sender...): each bucket holds up to
 * {@code capacity} tokens and refills at {@code capacity} tokens per {@code refillPeriodForCapacity},
 * so "60 per minute" allows a burst of 60 and then one a second.
 *
 * <p>A bucket is a single number, its theoretical arrival time (the GCRA form of a token bucket):
 * the instant at which it will be full again. Taking {@code n} tokens pushes it {@code n} emission
 * intervals ({@code period / capacity}) into the future, and is allowed as long as it stays within
 * {@code capacity} intervals of now. Refilling is thus lazy and exact, with no timer, and an instant
 * in the past means "full", which is the same as no bucket at all: such keys are dropped, by a sweep
 * at most once per refill period. The number of keys is bounded too (a flood of new client
 * addresses must not grow the heap): above {@code maxKeys}, the idlest keys (those whose bucket
 * would be full the soonest, so forgetting them gives away the fewest tokens) are evicted down to
 * 90% of the bound, so that the cost of the scan is shared by many insertions. Evicting a key
 * refills its bucket: under such a flood the limits get more lenient, never stricter.
 *
 * <p>Thread-safe: a key's bucket only changes inside {@link ConcurrentHashMap#compute}, which is
 * atomic per key; denied requests take nothing.
 */
public final class RateLimiter {
    /** Enough for every client address active within a minute at well above this server's peaks. */
    public static final int DEFAULT_MAX_KEYS = 100_000;

    private final int capacity;
    private final long emissionIntervalNanos;
    private final long burstNanos;
    private final Duration refillPeriod;
    private final long refillPeriodNanos;
    private final Clock clock;
    private final int maxKeys;
    private final Instant origin;
    /** Key to theoretical arrival time, in nanoseconds since {@link #origin}. */
    private final Map<String, Long> buckets = new ConcurrentHashMap<>();
    private final ReentrantLock sweeping = new ReentrantLock();
    private volatile long lastSweepNanos;

    public RateLimiter(int capacity, Duration refillPeriodForCapacity, Clock clock) {
        this(capacity, refillPeriodForCapacity, clock, DEFAULT_MAX_KEYS);
    }

    /**
     * @param capacity the burst size, and the number of tokens added per {@code refillPeriodForCapacity}
     * @param maxKeys  how many keys are tracked at most; beyond, the idlest are forgotten (their buckets refilled)
     */
    public RateLimiter(int capacity, Duration refillPeriodForCapacity, Clock clock, int maxKeys) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
        }
        if (refillPeriodForCapacity.isNegative() || refillPeriodForCapacity.isZero()) {
            throw new IllegalArgumentException("refill period must be positive, was " + refillPeriodForCapacity);
        }
        if (maxKeys < 1) {
            throw new IllegalArgumentException("maxKeys must be at least 1, was " + maxKeys);
        }
        long periodNanos = refillPeriodForCapacity.toNanos();
        if (periodNanos / capacity < 1) {
            throw new IllegalArgumentException("refill period " + refillPeriodForCapacity + " is too short for " + capacity + " tokens");
        }
        this.capacity = capacity;
        this.emissionIntervalNanos = periodNanos / capacity;
        // capacity whole intervals, not the period: with a rounded-down interval exactly `capacity`
        // tokens still fit in a burst, never one more.
        this.burstNanos = emissionIntervalNanos * capacity;
        this.refillPeriod = refillPeriodForCapacity;
        this.refillPeriodNanos = periodNanos;
        this.clock = clock;
        this.maxKeys = maxKeys;
        this.origin = clock.instant();
    }

    public boolean tryAcquire(String key) {
        return tryAcquire(key, 1);
    }

    /**
     * Takes {@code tokens} from the bucket of {@code key} if it holds that many, else takes nothing.
     *
     * @return whether the tokens were taken; always false when {@code tokens} exceeds the capacity
     */
    public boolean tryAcquire(String key, int tokens) {
        if (tokens < 1) {
            throw new IllegalArgumentException("tokens must be at least 1, was " + tokens);
        }
        if (tokens > capacity) {
            return false;
        }
        long now = nowNanos();
        long cost = emissionIntervalNanos * tokens;
        boolean[] allowed = {false};
        boolean[] created = {false};
        buckets.compute(key, (ignored, theoreticalArrival) -> {
            if (theoreticalArrival == null) {
                created[0] = true;
            }
            long start = theoreticalArrival == null ? now : Math.max(theoreticalArrival, now);
            long next = start + cost;
            if (next - now <= burstNanos) {
                allowed[0] = true;
                return next;
            }
            // Denied: unchanged (null stays absent, which cannot happen as cost <= burst when empty).
            return theoreticalArrival;
        });
        if (created[0] && buckets.size() > maxKeys) {
            sweep(now, true);
        } else if (now - lastSweepNanos >= refillPeriodNanos) {
            sweep(now, false);
        }
        return allowed[0];
    }

    /** The tokens {@code key} could take now (the capacity for an unknown key); takes nothing. */
    public int available(String key) {
        long now = nowNanos();
        Long theoreticalArrival = buckets.get(key);
        if (theoreticalArrival == null || theoreticalArrival <= now) {
            return capacity;
        }
        long debt = theoreticalArrival - now;
        return (int) Math.max(0, (burstNanos - debt) / emissionIntervalNanos);
    }

    public int capacity() {
        return capacity;
    }

    /** How many keys are tracked now, after dropping those whose bucket is full again. */
    public int trackedKeys() {
        sweep(nowNanos(), false);
        return buckets.size();
    }

    private void sweep(long now, boolean enforceBound) {
        // One sweeper at a time; the others carry on, the next request re-checks the bound.
        if (!sweeping.tryLock()) {
            return;
        }
        try {
            lastSweepNanos = now;
            for (String key : List.copyOf(buckets.keySet())) {
                // Atomic per key: a key taken from meanwhile has a future arrival time and stays.
                buckets.computeIfPresent(key, (ignored, theoreticalArrival) -> theoreticalArrival <= now ? null : theoreticalArrival);
            }
            if (enforceBound && buckets.size() > maxKeys) {
                evictIdlest(buckets.size() - (maxKeys - maxKeys / 10));
            }
        } finally {
            sweeping.unlock();
        }
    }

    private void evictIdlest(int count) {
        List<Map.Entry<String, Long>> entries = new ArrayList<>(buckets.size());
        buckets.forEach((key, theoreticalArrival) -> entries.add(Map.entry(key, theoreticalArrival)));
        entries.sort(Map.Entry.comparingByValue());
        for (Map.Entry<String, Long> entry : entries.subList(0, Math.min(count, entries.size()))) {
            // Only if unchanged since the snapshot: a key used meanwhile is no longer the idlest.
            buckets.remove(entry.getKey(), entry.getValue());
        }
    }

    private long nowNanos() {
        return Duration.between(origin, clock.instant()).toNanos();
    }

    @Override
    public String toString() {
        return "RateLimiter[" + capacity + " per " + refillPeriod + ", " + buckets.size() + " keys]";
    }
}
