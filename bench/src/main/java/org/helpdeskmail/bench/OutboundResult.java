package org.helpdeskmail.bench;

import java.util.List;

/**
 * What one outbound run measured (bench/README.md describes every field), for our server or for
 * the peer; figures a target does not have (the peer's delivery events, DNS queries, one JVM's pid)
 * are null.
 */
public record OutboundResult(String benchmark, String target, boolean complete, Setup setup, Submission submission,
                             Delivery delivery, Events events, Mta mta, Long dnsQueries, InboundResult.Machine machine) {

    /**
     * ratePerSecond 0: unpaced. authenticated: STARTTLS + AUTH PLAIN per session (ours), or plain (the peer relays for
     * loopback). dkim: whether our server signs (null for the peer: its description says).
     */
    public record Setup(String mix, int messages, int concurrency, int messagesPerSession, double ratePerSecond, int warmupMessages,
                        String senderPattern, String recipientPattern, boolean authenticated, Boolean dkim, boolean sinkStarttls,
                        String serverJavaOpts, String description) {
    }

    /** From the first connection to the last 250 after DATA. */
    public record Submission(int accepted, int failed, List<String> firstFailures, double seconds, double messagesPerSecond) {
    }

    /**
     * From the first connection to the sink's arrival time of the last expected message (null unless
     * every accepted message arrived), the latency per message from its 250 at submission to its
     * final dot at the sink, and what the sink saw in the window.
     */
    public record Delivery(Double seconds, Double messagesPerSecond, LatencySummary latencyFromSubmissionToSink, long messages,
                           long bytes, long withoutToken, long duplicates, long missing, long dkimSigned, long verpReturnPaths,
                           long connections, long tlsSessions) {
    }

    /** Delivery events POSTed to HELPDESK_EVENTS_URL: in the window, and once they had all come (or the wait ended). */
    public record Events(long postsInWindow, long postsAfterWait) {
    }

    /** The MTA over the window (our JVM, or the peer's cgroups). */
    public record Mta(Long pid, double cpuSeconds, double cpuUserSeconds, double cpuSystemSeconds, double cpuMsPerMessage,
                      double peakRssMiB, double peakRssAnonMiB, Double vmHwmMiB, int memorySamples) {
    }
}
