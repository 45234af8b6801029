package org.helpdeskmail.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

class LatencySummaryTest {

    @Test
    void percentilesAreNearestRankValuesOfActualMessages() {
        // 1..200 ms, shuffled order does not matter
        long[] nanos = LongStream.rangeClosed(1, 200).map(ms -> (201 - ms) * 1_000_000).toArray();

        LatencySummary summary = LatencySummary.ofNanos(nanos);

        assertThat(summary.count()).isEqualTo(200);
        assertThat(summary.p50Ms()).isEqualTo(100.0);
        assertThat(summary.p90Ms()).isEqualTo(180.0);
        assertThat(summary.p99Ms()).isEqualTo(198.0);
        assertThat(summary.maxMs()).isEqualTo(200.0);
    }

    @Test
    void nearestRankRoundsUpSoATenthOfTenIsTheTenth() {
        // 300 connections as in the greeting burst: p90 is the 270th, p99 the 297th
        long[] nanos = LongStream.rangeClosed(1, 300).map(ms -> ms * 1_000_000).toArray();

        LatencySummary summary = LatencySummary.ofNanos(nanos);

        assertThat(summary.p90Ms()).isEqualTo(270.0);
        assertThat(summary.p99Ms()).isEqualTo(297.0);
        assertThat(LatencySummary.percentile(new long[] {10, 20, 30}, 50)).isEqualTo(20);
        assertThat(LatencySummary.percentile(new long[] {10, 20, 30}, 99)).isEqualTo(30);
    }

    @Test
    void oneMessageIsEveryPercentile() {
        LatencySummary summary = LatencySummary.ofNanos(new long[] {1_500_000});

        assertThat(summary.p50Ms()).isEqualTo(1.5);
        assertThat(summary.p99Ms()).isEqualTo(1.5);
    }

    @Test
    void noMessageGivesNoFigures() {
        LatencySummary summary = LatencySummary.ofNanos(new long[0]);

        assertThat(summary.count()).isZero();
        assertThat(summary.p50Ms()).isNull();
        assertThat(summary.maxMs()).isNull();
    }
}
