package org.helpdeskmail.bench;

import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.helpdeskmail.testing.clamav.ClamdDaemon;
import org.helpdeskmail.testing.rspamd.RspamdDaemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import static org.helpdeskmail.bench.Rounding.mib;
import static org.helpdeskmail.bench.Rounding.round1;
import static org.helpdeskmail.bench.Rounding.round2;
import static org.helpdeskmail.bench.Rounding.round3;

/**
 * The inbound benchmark: the webhook receiver, the built distribution as a separate process, a
 * warm-up that is not counted, then N messages over C SMTP sessions, and the figures of that
 * window (throughput, latency from the 250 to the webhook POST, server CPU and memory). With
 * {@code --smtp-only} it measures acceptance alone (until the last 250), then how long the server
 * takes to empty its spool. Prints a summary and writes the JSON result; exits 1 when a message
 * was refused or did not arrive, 2 on a bad command line.
 */
public final class InboundBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Duration WARMUP_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration SETTLE = Duration.ofSeconds(2);

    /** The run cannot produce meaningful figures (the server refuses the load, or never POSTs). */
    static final class Aborted extends Exception {
        Aborted(String message) {
            super(message);
        }
    }

    private final BenchmarkOptions options;

    InboundBenchmark(BenchmarkOptions options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        BenchmarkOptions options;
        try {
            options = BenchmarkOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        try {
            InboundResult result = new InboundBenchmark(options).run();
            Files.createDirectories(options.output().toAbsolutePath().getParent());
            JSON.writeValue(options.output().toFile(), result);
            System.out.println(ResultSummary.of(result));
            System.out.println("  written to " + options.output());
            System.exit(result.complete() ? 0 : 1);
        } catch (Aborted e) {
            System.err.println("inbound benchmark aborted: " + e.getMessage());
            System.exit(1);
        }
    }

    InboundResult run() throws Exception {
        long ticksPerSecond = ProcFs.clockTicksPerSecond();
        MessageMix mix = MessageMix.load(options.mix(), options.samples());
        String run = Long.toString(System.currentTimeMillis(), 36);
        String senderDomain = options.senders().domain();
        String heloName = "mail-out." + senderDomain;
        try (WebhookReceiver receiver = WebhookReceiver.start(0, 32);
             LoopbackDnsResponder dns = options.deadDns() ? null : LoopbackDnsResponder.senderZone(senderDomain, heloName).start();
             ClamdDaemon clamd = options.clamd() ? ClamdDaemon.start(ClamdDaemon.Options.defaults().withStreamMaxLength("64M")) : null;
             RspamdDaemon rspamd = options.rspamd() ? RspamdDaemon.start() : null) {
            Map<String, String> scannerEnvironment = new HashMap<>();
            if (clamd != null) {
                scannerEnvironment.put("HELPDESK_CLAMD_ADDRESS", clamd.address());
            }
            if (rspamd != null) {
                scannerEnvironment.put("HELPDESK_RSPAMD_URL", rspamd.url().toString());
            }
            String webhookUrl = "http://127.0.0.1:" + receiver.port() + "/inbound";
            int dnsPort = dns == null ? ServerProcess.unusedPort() : dns.port();
            System.out.println("starting " + options.distribution() + " (webhook " + webhookUrl + ", DNS 127.0.0.1:" + dnsPort
                + (dns == null ? ", where nothing answers)" : ")"));
            try (ServerProcess server = ServerProcess.start(options.distribution(), webhookUrl, options.domains(), dnsPort,
                     !options.keepRateLimits(), options.serverJavaOpts(), scannerEnvironment)) {
                try {
                    return measure(server, receiver, dns, mix, heloName, run, ticksPerSecond);
                } finally {
                    keepServerLog(server);
                }
            }
        }
    }

    private InboundResult measure(ServerProcess server, WebhookReceiver receiver, LoopbackDnsResponder dns, MessageMix mix,
                                  String heloName, String run, long ticksPerSecond) throws Exception {
        LoadGenerator generator = new LoadGenerator(new LoadGenerator.Settings(server.mxAddress(), options.concurrency(),
            options.messagesPerSession(), options.ratePerSecond(), heloName, options.senders(), options.recipients(), mix, null));
        warmUp(generator, server, receiver, "bench-" + run + "-w");
        // Let the warm-up's background work (queue acknowledgements, GC) finish before the window opens.
        Thread.sleep(SETTLE.toMillis());

        long serverPid = server.pid();
        String loadBefore = ProcFs.loadAverage();
        WebhookReceiver.Stats postsBefore = receiver.stats();
        LoopbackDnsResponder.Stats dnsBefore = dns == null ? null : dns.stats();
        CpuSnapshot before = CpuSnapshot.take(serverPid);
        CpuSnapshot after;
        LoadGenerator.Result sent;
        InboundResult.EndToEnd endToEnd = null;
        InboundResult.Drain drain = null;
        MemorySampler.Peaks memory;
        try (MemorySampler sampler = MemorySampler.start(serverPid)) {
            System.out.printf("sending %d messages (%s) over %d sessions%s%n", options.messages(), mix.spec(), options.concurrency(),
                options.ratePerSecond() > 0 ? " at " + options.ratePerSecond() + " msg/s" : "");
            sent = generator.run("bench-" + run + "-", options.messages());
            if (options.smtpOnly()) {
                after = CpuSnapshot.take(serverPid);
                drain = awaitDrain(server, sent.startNanos(), before.server(), ticksPerSecond);
            } else {
                receiver.awaitAll(sent.accepted().stream().map(LoadGenerator.Accepted::token).toList(), options.timeout());
                after = CpuSnapshot.take(serverPid);
                endToEnd = endToEnd(sent, receiver, postsBefore);
            }
            memory = sampler.stop();
        }
        InboundResult.Dns dnsFigures = dns == null ? new InboundResult.Dns("dead", 0, 0)
            : new InboundResult.Dns("responder", dns.stats().queries() - dnsBefore.queries(), dns.stats().nxdomain() - dnsBefore.nxdomain());

        ProcFs.CpuTicks serverCpu = after.server().minus(before.server());
        double serverSeconds = serverCpu.total() / (double) ticksPerSecond;
        double benchSeconds = after.benchmark().minus(before.benchmark()).total() / (double) ticksPerSecond;
        double busySeconds = (after.machineBusy() - before.machineBusy()) / (double) ticksPerSecond;
        int accepted = sent.accepted().size();
        boolean complete = sent.failures().isEmpty()
            && (options.smtpOnly() ? drain.seconds() != null : endToEnd.missingPosts() == 0);
        return new InboundResult("inbound", options.smtpOnly() ? "smtp-only" : "end-to-end", complete,
            new InboundResult.Setup(mix.spec(), options.messages(), options.concurrency(), options.messagesPerSession(),
                options.ratePerSecond(), options.warmupMessages(), options.senders().pattern(), options.recipients().pattern(),
                !options.keepRateLimits(), options.serverJavaOpts()),
            new InboundResult.Smtp(accepted, sent.failures().size(),
                sent.failures().stream().limit(5).map(f -> "#" + f.messageNumber() + ": " + f.reason()).toList(),
                round3(sent.seconds()), round1(accepted / sent.seconds())),
            endToEnd, drain,
            new InboundResult.Server(serverPid, round2(serverSeconds), round2(serverCpu.user() / (double) ticksPerSecond),
                round2(serverCpu.system() / (double) ticksPerSecond), round2(accepted == 0 ? 0 : serverSeconds * 1000 / accepted),
                mib(memory.vmRssKiB()), mib(memory.rssAnonKiB()), mib(ProcFs.statusKiB(serverPid, "VmHWM")), memory.samples()),
            dnsFigures,
            InboundResult.Machine.measured(ticksPerSecond, benchSeconds, busySeconds, serverSeconds, loadBefore));
    }

    private void warmUp(LoadGenerator generator, ServerProcess server, WebhookReceiver receiver, String prefix) throws Exception {
        if (options.warmupMessages() == 0) {
            return;
        }
        System.out.printf("warm-up: %d messages (not counted)%n", options.warmupMessages());
        LoadGenerator.Result warm = generator.run(prefix, options.warmupMessages(), 0); // unpaced: it only warms the JIT and caches
        if (!warm.failures().isEmpty()) {
            LoadGenerator.Failure first = warm.failures().get(0);
            throw new Aborted(warm.failures().size() + " of " + options.warmupMessages() + " warm-up messages were refused; the first: "
                + first.reason() + " (sender " + options.senders().addressFor(first.messageNumber()) + ", recipient "
                + options.recipients().addressFor(first.messageNumber()) + ")");
        }
        if (options.smtpOnly()) {
            if (awaitSpoolEmpty(server, WARMUP_TIMEOUT) < 0) {
                throw new Aborted("the spool did not empty within " + WARMUP_TIMEOUT.toSeconds() + " s after the warm-up");
            }
            return;
        }
        List<String> tokens = warm.accepted().stream().map(LoadGenerator.Accepted::token).toList();
        if (!receiver.awaitAll(tokens, WARMUP_TIMEOUT)) {
            throw new Aborted("only " + receiver.receivedOf(tokens) + " of " + tokens.size() + " warm-up messages reached the webhook within "
                + WARMUP_TIMEOUT.toSeconds() + " s. Does the server POST to HELPDESK_WEBHOOK_URL yet? "
                + "--smtp-only measures SMTP acceptance alone.");
        }
    }

    /** smtp-only: when the spool was empty again, and the server CPU from t0 until then. */
    private InboundResult.Drain awaitDrain(ServerProcess server, long startNanos, ProcFs.CpuTicks server0, long ticksPerSecond) throws Exception {
        long emptyAt = awaitSpoolEmpty(server, options.timeout());
        if (emptyAt < 0) {
            return new InboundResult.Drain(null, null);
        }
        double cpu = ProcFs.processCpu(server.pid()).minus(server0).total() / (double) ticksPerSecond;
        return new InboundResult.Drain(round3((emptyAt - startNanos) / 1e9), round2(cpu));
    }

    /** System.nanoTime() at which webadmin first showed an empty spool; -1 on timeout. */
    private static long awaitSpoolEmpty(ServerProcess server, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (server.spoolSize() == 0) {
                return System.nanoTime();
            }
            // Each look is a webadmin request the server pays for: 100 ms keeps that small.
            Thread.sleep(100);
        }
        return -1;
    }

    private static InboundResult.EndToEnd endToEnd(LoadGenerator.Result sent, WebhookReceiver receiver, WebhookReceiver.Stats before) {
        long[] latencies = new long[sent.accepted().size()];
        int received = 0;
        long lastPost = sent.startNanos();
        for (LoadGenerator.Accepted message : sent.accepted()) {
            Optional<WebhookReceiver.Post> post = receiver.firstPost(message.token());
            if (post.isPresent()) {
                latencies[received++] = post.get().receivedAtNanos() - message.acceptedAtNanos();
                lastPost = Math.max(lastPost, post.get().receivedAtNanos());
            }
        }
        int missing = sent.accepted().size() - received;
        WebhookReceiver.Stats after = receiver.stats();
        // Throughput only when every accepted message arrived: a partial window would flatter the figure.
        Double seconds = missing == 0 && received > 0 ? round3((lastPost - sent.startNanos()) / 1e9) : null;
        return new InboundResult.EndToEnd(seconds, seconds == null ? null : round1(received / seconds),
            LatencySummary.ofNanos(Arrays.copyOf(latencies, received)),
            after.posts() - before.posts(), after.bytes() - before.bytes(), after.withoutToken() - before.withoutToken(),
            after.duplicates() - before.duplicates(), missing);
    }

    private void keepServerLog(ServerProcess server) {
        server.copyLogTo(options.output().resolveSibling(options.output().getFileName().toString().replaceFirst("\\.json$", "") + ".server.log"));
    }
}
