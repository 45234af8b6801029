package org.helpdeskmail.bench;

import java.util.Arrays;

/**
 * p50, p90, p99 and max of a set of latencies, in milliseconds. Percentiles are nearest-rank (the
 * value of an actual message, no interpolation), so p99 of 2000 messages is the 1980th fastest.
 */
public record LatencySummary(int count, Double p50Ms, Double p90Ms, Double p99Ms, Double maxMs) {

    public static LatencySummary ofNanos(long[] latenciesNanos) {
        if (latenciesNanos.length == 0) {
            return new LatencySummary(0, null, null, null, null); // no message: no figure, rather than a made-up 0
        }
        long[] sorted = latenciesNanos.clone();
        Arrays.sort(sorted);
        return new LatencySummary(sorted.length, millis(percentile(sorted, 50)), millis(percentile(sorted, 90)),
            millis(percentile(sorted, 99)), millis(sorted[sorted.length - 1]));
    }

    static long percentile(long[] sorted, int percent) {
        // ceil(percent * n / 100) in integers: 0.9 * 300 in doubles is not exactly 270
        int rank = (int) ((percent * (long) sorted.length + 99) / 100);
        return sorted[Math.max(0, rank - 1)];
    }

    private static Double millis(long nanos) {
        return Math.round(nanos / 1e4) / 100.0;
    }
}
