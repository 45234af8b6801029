package org.helpdeskmail.bench;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Samples a process's memory every 250 ms (the peer's sampler interval) and keeps the peaks of
 * VmRSS (everything resident, the mapped jars and libjvm included) and RssAnon (anonymous memory
 * only: heap, metaspace, thread stacks; the closer match to the peer's cgroup total_rss).
 */
final class MemorySampler implements AutoCloseable {
    private static final long INTERVAL_MILLIS = 250;

    /** Peaks in KiB over the samples taken. */
    record Peaks(long vmRssKiB, long rssAnonKiB, int samples) {
    }

    private final long pid;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "memory-sampler");
        thread.setDaemon(true);
        return thread;
    });
    private long peakVmRss;
    private long peakRssAnon;
    private int samples;

    private MemorySampler(long pid) {
        this.pid = pid;
    }

    static MemorySampler start(long pid) {
        MemorySampler sampler = new MemorySampler(pid);
        sampler.timer.scheduleAtFixedRate(sampler::sample, 0, INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
        return sampler;
    }

    private synchronized void sample() {
        peakVmRss = Math.max(peakVmRss, ProcFs.statusKiB(pid, "VmRSS"));
        peakRssAnon = Math.max(peakRssAnon, ProcFs.statusKiB(pid, "RssAnon"));
        samples++;
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
