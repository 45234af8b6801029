package org.helpdeskmail.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * Puts our inbound result beside the peer baseline's and prints the ratios, each oriented so that
 * above 1 means we do better: ours/peer for messages per second, peer/ours for CPU per message and
 * memory. Writes them next to our result as {@code <name>-vs-peer.json}.
 *
 * <pre>PeerComparison OURS.json PEER.jsonl SIZE live|recorded</pre>
 *
 * "recorded" means the peer's figures come from its results/ folder, i.e. another run on another
 * day and possibly another machine load: the ratios are then only indicative, and say so.
 */
public final class PeerComparison {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One compared figure; ratio above 1 = we do better. */
    public record Row(String figure, Double ours, Double peer, Double ratio, String ratioMeaning, String note) {
    }

    public record Comparison(String size, String peerSource, String peerFiguresFrom, int peerRuns, int peerMessages,
                             String ourMode, List<Row> rows) {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4 || !(args[3].equals("live") || args[3].equals("recorded"))) {
            System.err.println("usage: PeerComparison OURS.json PEER.jsonl SIZE live|recorded");
            System.exit(2);
        }
        Path oursFile = Path.of(args[0]);
        InboundResult ours = JSON.readValue(oursFile.toFile(), InboundResult.class);
        PeerFigures peer = PeerFigures.read(Path.of(args[1]), args[2]);
        boolean live = args[3].equals("live");
        Comparison comparison = compare(ours, peer, args[2], live);
        print(comparison, ours, live);
        Path target = oursFile.resolveSibling(oursFile.getFileName().toString().replaceFirst("\\.json$", "") + "-vs-peer.json");
        JSON.writeValue(target.toFile(), comparison);
        System.out.println("  written to " + target);
    }

    static Comparison compare(InboundResult ours, PeerFigures peer, String size, boolean live) {
        List<Row> rows = new ArrayList<>();
        boolean smtpOnly = ours.endToEnd() == null;
        if (!smtpOnly) {
            rows.add(higherIsBetter("end-to-end msg/s", ours.endToEnd().messagesPerSecond(), peer.messagesPerSecond(), null));
        }
        rows.add(higherIsBetter("SMTP acceptance msg/s (to the last 250)", ours.smtp().messagesPerSecond(), peer.smtpMessagesPerSecond(),
            smtpOnly ? "peer: messages put on HOLD (no delivery); ours: the server delivers in the background meanwhile" : null));
        rows.add(lowerIsBetter("server CPU ms per message", ours.server().cpuMsPerMessage(), peer.cpuMsPerMessage(),
            smtpOnly ? "peer: smtpd+cleanup only (HOLD); ours: whatever the JVM did in the window, delivery included"
                     : "peer: Postfix + every PHP process (cgroup); ours: the server JVM"));
        if (!smtpOnly) {
            rows.add(lowerIsBetter("peak anonymous RSS MiB", ours.server().peakRssAnonMiB(), peer.anonRssMiB(),
                "peer: cgroup total_rss of Postfix+PHP; ours: RssAnon of the JVM"));
            rows.add(lowerIsBetter("peak RSS MiB", ours.server().peakRssMiB(), peer.sumRssMiB(),
                "peer: sum of VmRSS over its processes (shared pages counted per process); ours: VmRSS of the JVM"));
        }
        return new Comparison(size, peer.source(), live ? "this run" : "another run (recorded results; indicative only)",
            peer.runs(), peer.messages(), ours.mode(), rows);
    }

    static Row higherIsBetter(String figure, Double ours, Double peer, String note) {
        return new Row(figure, ours, peer, ratio(ours, peer), "ours/peer", note);
    }

    static Row lowerIsBetter(String figure, Double ours, Double peer, String note) {
        return new Row(figure, ours, peer, ratio(peer, ours), "peer/ours", note);
    }

    private static Double ratio(Double numerator, Double denominator) {
        if (numerator == null || denominator == null || denominator == 0) {
            return null;
        }
        return Math.round(numerator / denominator * 100) / 100.0;
    }

    private static void print(Comparison c, InboundResult ours, boolean live) {
        String heading = live
            ? "peer measured in THIS run, on this machine, right after ours"
            : "peer figures RECORDED IN ANOTHER RUN (" + c.peerSource() + ", median of " + c.peerRuns()
              + " runs), not measured now: ratios are INDICATIVE only";
        System.out.printf(Locale.ROOT, "%ncomparison with the peer (Postfix + PHP pipe), %s, ours %s N=%d x %d sessions, peer N=%d x 10 sessions%n",
            c.size(), ours.mode(), ours.setup().messages(), ours.setup().concurrency(), c.peerMessages());
        System.out.println("  " + heading);
        if (ours.setup().ratePerSecond() > 0) {
            System.out.println("  ours was paced at " + ours.setup().ratePerSecond() + " msg/s, the peer was not: its msg/s ratios mean nothing");
        }
        System.out.printf(Locale.ROOT, "  %-42s %10s %10s %10s%n", "", "ours", "peer", "ratio");
        for (Row row : c.rows()) {
            System.out.printf(Locale.ROOT, "  %-42s %10s %10s %10s  (%s)%n", row.figure(), show(row.ours()), show(row.peer()),
                row.ratio() == null ? "-" : row.ratio() + "x", row.ratioMeaning());
            if (row.note() != null) {
                System.out.println("      " + row.note());
            }
        }
        System.out.println("  a ratio above 1 means helpdesk-mail does better");
    }

    static String show(Double value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%.1f", value);
    }
}
