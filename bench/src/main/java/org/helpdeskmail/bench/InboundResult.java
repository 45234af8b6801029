package org.helpdeskmail.bench;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * What one inbound run measured, written as JSON (bench/README.md describes every field). Figures
 * that a mode does not measure are null: an smtp-only run has no endToEnd, an end-to-end run no
 * drain.
 */
public record InboundResult(String benchmark, String mode, boolean complete, Setup setup, Smtp smtp,
                            EndToEnd endToEnd, Drain drain, Server server, Dns dns, Machine machine) {

    /** ratePerSecond 0: unpaced, as fast as the sessions go. */
    public record Setup(String mix, int messages, int concurrency, int messagesPerSession, double ratePerSecond, int warmupMessages,
                        String senderPattern, String recipientPattern, boolean rateLimitsLifted, String serverJavaOpts) {
    }

    /** From the first connection to the last 250 after DATA. */
    public record Smtp(int accepted, int failed, List<String> firstFailures, double seconds, double messagesPerSecond) {
    }

    /** From the first connection to the receiver's own receive time of the last expected POST. */
    public record EndToEnd(Double seconds, Double messagesPerSecond, LatencySummary latencyFrom250ToPost,
                           long posts, long postBytes, long postsWithoutToken, long duplicatePosts, long missingPosts) {
    }

    /** smtp-only: from the first connection until the spool queue was empty again (the mailet container caught up). */
    public record Drain(Double seconds, Double serverCpuSeconds) {
    }

    /** The server JVM over the measured window (t0 to the last 250 in smtp-only mode, to the last POST otherwise). */
    public record Server(long pid, double cpuSeconds, double cpuUserSeconds, double cpuSystemSeconds, double cpuMsPerMessage,
                         double peakRssMiB, double peakRssAnonMiB, double vmHwmMiB, int memorySamples) {
    }

    /**
     * The server's DNS: "responder" (the benchmark's, for the sender's test domain) or "dead" (a port
     * where nothing answers). Queries it answered in the measured window, and how many were for unknown names.
     */
    public record Dns(String mode, long queries, long nxdomain) {
    }

    /** Context for the noise on a shared machine. otherCpuSeconds = machine busy - server - benchmark JVM. */
    public record Machine(int cpus, long clockTicksPerSecond, double benchmarkJvmCpuSeconds, double machineBusyCpuSeconds,
                          double otherCpuSeconds, String loadAverageBefore, String date) {

        /** Over a window: this JVM's CPU, the machine's busy CPU and the measured server's, in seconds; now as the date. */
        static Machine measured(long ticksPerSecond, double benchmarkSeconds, double busySeconds, double serverSeconds, String loadBefore) {
            return new Machine(Runtime.getRuntime().availableProcessors(), ticksPerSecond, Rounding.round2(benchmarkSeconds),
                Rounding.round2(busySeconds), Rounding.round2(busySeconds - serverSeconds - benchmarkSeconds), loadBefore,
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        }
    }
}
