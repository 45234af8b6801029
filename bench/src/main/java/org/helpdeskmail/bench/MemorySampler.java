package org.helpdeskmail.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Samples memory every 250 ms (the peer's sampler interval) and keeps two peaks: all resident
 * memory and anonymous memory only. For a process (our server JVM): VmRSS (the mapped jars and
 * libjvm included) and RssAnon (heap, metaspace, thread stacks; the closer match to the peer's
 * cgroup total_rss). For a cgroup (the peer's Postfix and its children): the sum of its processes'
 * VmRSS (shared pages counted once per process, as the peer's sampler does) and the cgroup's own
 * total_rss.
 */
final class MemorySampler implements AutoCloseable {
    private static final long INTERVAL_MILLIS = 250;

    /** Peaks in KiB over the samples taken. */
    record Peaks(long vmRssKiB, long rssAnonKiB, int samples) {
    }

    /** One reading: all resident and anonymous KiB (-1 when unknown). */
    private interface Probe {
        long[] read();
    }

    private final Probe probe;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "memory-sampler");
        thread.setDaemon(true);
        return thread;
    });
    private long peakVmRss;
    private long peakRssAnon;
    private int samples;

    private MemorySampler(Probe probe) {
        this.probe = probe;
    }

    static MemorySampler start(long pid) {
        return start(() -> new long[] {ProcFs.statusKiB(pid, "VmRSS"), ProcFs.statusKiB(pid, "RssAnon")});
    }

    /** A cgroup-v1 memory controller folder, e.g. /sys/fs/cgroup/memory/.../peer_postfix. */
    static MemorySampler startCgroup(Path memoryCgroup) {
        return start(() -> new long[] {sumOfProcessRss(memoryCgroup), cgroupTotalRssKiB(memoryCgroup)});
    }

    private static MemorySampler start(Probe probe) {
        MemorySampler sampler = new MemorySampler(probe);
        sampler.timer.scheduleAtFixedRate(sampler::sample, 0, INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
        return sampler;
    }

    private synchronized void sample() {
        long[] reading = probe.read();
        peakVmRss = Math.max(peakVmRss, reading[0]);
        peakRssAnon = Math.max(peakRssAnon, reading[1]);
        samples++;
    }

    private static long sumOfProcessRss(Path cgroup) {
        try {
            long sum = 0;
            for (String pid : Files.readAllLines(cgroup.resolve("cgroup.procs"), StandardCharsets.US_ASCII)) {
                if (!pid.isBlank()) {
                    sum += Math.max(0, ProcFs.statusKiB(Long.parseLong(pid.trim()), "VmRSS")); // gone meanwhile: 0
                }
            }
            return sum;
        } catch (IOException e) {
            return -1;
        }
    }

    private static long cgroupTotalRssKiB(Path cgroup) {
        try {
            for (String line : Files.readAllLines(cgroup.resolve("memory.stat"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("total_rss ")) {
                    return Long.parseLong(line.substring(10).trim()) / 1024;
                }
            }
            return -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /** Takes one last sample, stops, and returns the peaks. */
    synchronized Peaks stop() {
        timer.shutdownNow();
        sample();
        return new Peaks(peakVmRss, peakRssAnon, samples);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
