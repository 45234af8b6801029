package org.helpdeskmail.bench;

import java.util.Locale;

/** The human-readable lines printed after a run (the JSON file has the same figures). */
final class ResultSummary {
    private ResultSummary() {
    }

    static String of(InboundResult r) {
        StringBuilder out = new StringBuilder();
        InboundResult.Setup s = r.setup();
        out.append(String.format(Locale.ROOT, "inbound %s, %d messages, %d sessions x %d message(s)%s, %s%s%n", s.mix(), s.messages(),
            s.concurrency(), s.messagesPerSession(), s.ratePerSecond() > 0 ? ", paced at " + s.ratePerSecond() + " msg/s" : "",
            r.mode(), r.complete() ? "" : " (INCOMPLETE)"));
        out.append(String.format(Locale.ROOT, "  smtp:       %d accepted, %d refused/failed, %.3f s, %.1f msg/s%n",
            r.smtp().accepted(), r.smtp().failed(), r.smtp().seconds(), r.smtp().messagesPerSecond()));
        r.smtp().firstFailures().forEach(f -> out.append("    ").append(f).append('\n'));
        if (r.endToEnd() != null) {
            InboundResult.EndToEnd e = r.endToEnd();
            LatencySummary l = e.latencyFrom250ToPost();
            out.append(String.format(Locale.ROOT, "  end-to-end: %s s, %s msg/s; latency 250 -> POST p50 %s ms, p99 %s ms, max %s ms%n",
                e.seconds(), e.messagesPerSecond(), l.p50Ms(), l.p99Ms(), l.maxMs()));
            out.append(String.format(Locale.ROOT, "  webhook:    %d POSTs, %.1f MiB, %d without token, %d duplicates, %d missing%n",
                e.posts(), e.postBytes() / 1048576.0, e.postsWithoutToken(), e.duplicatePosts(), e.missingPosts()));
        }
        if (r.drain() != null) {
            out.append(String.format(Locale.ROOT, "  drain:      spool empty %s s after t0, server CPU until then %s s%n",
                r.drain().seconds(), r.drain().serverCpuSeconds()));
        }
        InboundResult.Server v = r.server();
        out.append(String.format(Locale.ROOT, "  server:     %.2f s CPU (user %.2f, sys %.2f) = %.2f ms/msg; peak RSS %.1f MiB (anon %.1f), VmHWM %.1f MiB%n",
            v.cpuSeconds(), v.cpuUserSeconds(), v.cpuSystemSeconds(), v.cpuMsPerMessage(), v.peakRssMiB(), v.peakRssAnonMiB(), v.vmHwmMiB()));
        out.append(r.dns().mode().equals("dead") ? "  dns:        a dead loopback port\n"
            : String.format(Locale.ROOT, "  dns:        %d queries to the benchmark's responder (%d for unknown names)%n", r.dns().queries(), r.dns().nxdomain()));
        InboundResult.Machine m = r.machine();
        out.append(String.format(Locale.ROOT, "  machine:    %d cpus; benchmark JVM %.2f s CPU; other processes %.2f s; load before %s",
            m.cpus(), m.benchmarkJvmCpuSeconds(), m.otherCpuSeconds(), m.loadAverageBefore()));
        return out.toString();
    }
}
