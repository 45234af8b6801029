package org.helpdeskmail.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The peer baseline's figures for one size, read from its per-run JSON lines
 * ({@code results/inbound.jsonl} of bench_inbound.sh, or {@code results/accept.jsonl} of
 * bench_accept.sh for SMTP acceptance alone): the median over the runs that are ok, at the
 * default process limit (the MAXPROC=4 sensitivity rows are left out).
 */
public record PeerFigures(String source, int runs, int messages, Double messagesPerSecond, double smtpMessagesPerSecond,
                          double cpuMsPerMessage, Double anonRssMiB, Double sumRssMiB) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static PeerFigures read(Path jsonLines, String size) throws IOException {
        return read(jsonLines, size, null);
    }

    /**
     * Only the rows of that mode when not null (outbound.jsonl: "plain" or "dkim"); CPU per message
     * then includes the OpenDKIM milter's, which the peer counts apart.
     */
    public static PeerFigures read(Path jsonLines, String size, String mode) throws IOException {
        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(jsonLines, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode row = JSON.readTree(line);
            boolean defaultProcessLimit = !row.has("maxproc") || row.get("maxproc").asText().equals("-");
            boolean ofMode = mode == null || row.path("mode").asText().equals(mode);
            if (row.path("size").asText().equals(size) && row.path("ok").asBoolean() && defaultProcessLimit && ofMode) {
                rows.add(row);
            }
        }
        if (rows.isEmpty()) {
            throw new IOException("no ok run of size " + size + (mode == null ? "" : " in mode " + mode) + " in " + jsonLines);
        }
        boolean endToEnd = rows.get(0).has("e2e_msg_s");
        return new PeerFigures(jsonLines.toString(), rows.size(), rows.get(0).path("n").asInt(),
            endToEnd ? median(rows, r -> r.get("e2e_msg_s").asDouble()) : null,
            median(rows, r -> r.get("smtp_msg_s").asDouble()),
            median(rows, r -> r.get("cpu_ms_per_msg").asDouble() + r.path("cpu_milter_ms_per_msg").asDouble(0)),
            endToEnd ? median(rows, r -> r.get("mem_peak_cg_rss_mb").asDouble()) : null,
            endToEnd ? median(rows, r -> r.get("mem_peak_sum_rss_mb").asDouble()) : null);
    }

    private static double median(List<JsonNode> rows, ToDoubleFunction<JsonNode> figure) {
        double[] values = rows.stream().mapToDouble(figure).toArray();
        Arrays.sort(values);
        int middle = values.length / 2;
        return values.length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }
}
