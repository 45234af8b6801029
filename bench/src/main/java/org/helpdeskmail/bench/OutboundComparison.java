package org.helpdeskmail.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * Puts our outbound result beside the peer's and prints the ratios (above 1: we do better), then
 * writes them next to our result as {@code <name>-vs-peer.json}. "live": the peer was measured by
 * {@link OutboundBenchmark} in this run, with the same load generator and sink; "recorded": its
 * figures come from its own results/outbound.jsonl (smtp-source and smtp-sink, another day), so
 * the ratios are indicative only and there is no latency to compare.
 *
 * <pre>OutboundComparison OURS.json PEER.json live
 * OutboundComparison OURS.json PEER-outbound.jsonl recorded SIZE plain|dkim</pre>
 */
public final class OutboundComparison {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The peer's figures, whichever way they were obtained; null where not measured. */
    record PeerSide(String source, String description, Double deliveryMessagesPerSecond, Double submissionMessagesPerSecond,
                    Double p50Ms, Double p99Ms, Double cpuMsPerMessage, Double anonRssMiB, Double rssMiB) {

        static PeerSide of(OutboundResult peer, String source) {
            LatencySummary latency = peer.delivery().latencyFromSubmissionToSink();
            return new PeerSide(source, peer.target(), peer.delivery().messagesPerSecond(), peer.submission().messagesPerSecond(),
                latency.p50Ms(), latency.p99Ms(), peer.mta().cpuMsPerMessage(), peer.mta().peakRssAnonMiB(), peer.mta().peakRssMiB());
        }

        static PeerSide of(PeerFigures recorded, String mode) {
            return new PeerSide(recorded.source() + " (median of " + recorded.runs() + " runs of N=" + recorded.messages() + ")",
                "Postfix" + (mode.equals("dkim") ? " + OpenDKIM" : ""), recorded.messagesPerSecond(), recorded.smtpMessagesPerSecond(),
                null, null, recorded.cpuMsPerMessage(), recorded.anonRssMiB(), recorded.sumRssMiB());
        }
    }

    public record Comparison(String peer, String peerSource, String peerFiguresFrom, String ours, List<PeerComparison.Row> rows) {
    }

    public static void main(String[] args) throws Exception {
        boolean live = args.length == 3 && args[2].equals("live");
        boolean recorded = args.length == 5 && args[2].equals("recorded");
        if (!live && !recorded) {
            System.err.println("usage: OutboundComparison OURS.json PEER.json live | OURS.json PEER.jsonl recorded SIZE plain|dkim");
            System.exit(2);
        }
        Path oursFile = Path.of(args[0]);
        OutboundResult ours = JSON.readValue(oursFile.toFile(), OutboundResult.class);
        PeerSide peer = live ? PeerSide.of(JSON.readValue(Path.of(args[1]).toFile(), OutboundResult.class), args[1])
            : PeerSide.of(PeerFigures.read(Path.of(args[1]), args[3], args[4]), args[4]);
        Comparison comparison = compare(ours, peer, live);
        print(comparison, ours, live);
        Path target = oursFile.resolveSibling(oursFile.getFileName().toString().replaceFirst("\\.json$", "") + "-vs-peer.json");
        JSON.writeValue(target.toFile(), comparison);
        System.out.println("  written to " + target);
    }

    static Comparison compare(OutboundResult ours, PeerSide peer, boolean live) {
        LatencySummary latency = ours.delivery().latencyFromSubmissionToSink();
        List<PeerComparison.Row> rows = new ArrayList<>();
        rows.add(PeerComparison.higherIsBetter("delivery msg/s (first submission to last arrival)", ours.delivery().messagesPerSecond(),
            peer.deliveryMessagesPerSecond(), null));
        rows.add(PeerComparison.higherIsBetter("submission msg/s (to the last 250)", ours.submission().messagesPerSecond(),
            peer.submissionMessagesPerSecond(), ours.setup().authenticated() ? "ours: STARTTLS + AUTH PLAIN per session; peer: plain SMTP" : null));
        if (live) {
            rows.add(PeerComparison.lowerIsBetter("p50 latency 250 -> sink, ms", latency.p50Ms(), peer.p50Ms(), null));
            rows.add(PeerComparison.lowerIsBetter("p99 latency 250 -> sink, ms", latency.p99Ms(), peer.p99Ms(), null));
        }
        rows.add(PeerComparison.lowerIsBetter("MTA CPU ms per message", ours.mta().cpuMsPerMessage(), peer.cpuMsPerMessage(),
            "peer: Postfix (+ OpenDKIM) cgroups; ours: the server JVM"));
        rows.add(PeerComparison.lowerIsBetter("peak anonymous RSS MiB", ours.mta().peakRssAnonMiB(), peer.anonRssMiB(),
            "peer: cgroup total_rss of Postfix; ours: RssAnon of the JVM"));
        rows.add(PeerComparison.lowerIsBetter("peak RSS MiB", ours.mta().peakRssMiB(), peer.rssMiB(),
            "peer: sum of VmRSS over its processes; ours: VmRSS of the JVM"));
        return new Comparison(peer.description(), peer.source(), live ? "this run" : "another run (recorded results; indicative only)",
            ours.target(), rows);
    }

    private static void print(Comparison c, OutboundResult ours, boolean live) {
        OutboundResult.Setup s = ours.setup();
        System.out.printf(Locale.ROOT, "%ncomparison with the peer (%s), outbound %s, N=%d x %d sessions x %d message(s) per session%n",
            c.peer(), s.mix(), s.messages(), s.concurrency(), s.messagesPerSession());
        System.out.println("  " + (live ? "peer measured in THIS run, on this machine, right after ours, with the same load generator and sink"
            : "peer figures RECORDED IN ANOTHER RUN (" + c.peerSource() + "), with smtp-source and smtp-sink: ratios are INDICATIVE only"));
        if (s.ratePerSecond() > 0) {
            System.out.println("  paced at " + s.ratePerSecond() + " msg/s: the msg/s ratios say nothing about capacity");
        }
        System.out.printf(Locale.ROOT, "  %-50s %10s %10s %10s%n", "", "ours", "peer", "ratio");
        for (PeerComparison.Row row : c.rows()) {
            System.out.printf(Locale.ROOT, "  %-50s %10s %10s %10s  (%s)%n", row.figure(), PeerComparison.show(row.ours()),
                PeerComparison.show(row.peer()), row.ratio() == null ? "-" : row.ratio() + "x", row.ratioMeaning());
            if (row.note() != null) {
                System.out.println("      " + row.note());
            }
        }
        System.out.println("  a ratio above 1 means helpdesk-mail does better");
    }
}
