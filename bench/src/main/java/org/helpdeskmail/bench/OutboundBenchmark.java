package org.helpdeskmail.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import static org.helpdeskmail.bench.Rounding.mib;
import static org.helpdeskmail.bench.Rounding.round1;
import static org.helpdeskmail.bench.Rounding.round2;
import static org.helpdeskmail.bench.Rounding.round3;

/**
 * The outbound benchmark: the app's notifications submitted over several concurrent sessions
 * (STARTTLS and AUTH PLAIN on our submission listener), signed and relayed by the MTA to a sink MX
 * on loopback ({@link SinkMx}), which notes when each message arrived. Our server finds the sink
 * through the MX record that the benchmark's DNS responder gives for the recipients' domain, as
 * it would on the internet; with {@code --peer} the same load goes to the peer's Postfix (plain
 * SMTP from loopback, which it relays to the sink by its transport map) and its CPU and memory are
 * read from its cgroups. Figures of the window after a warm-up: submission and delivery throughput,
 * latency from the submission's 250 to the sink, MTA CPU and peak memory. Prints a summary and
 * writes the JSON result; exits 1 when a message was refused or did not arrive, 2 on a bad command line.
 */
public final class OutboundBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Duration WARMUP_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration EVENTS_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration SETTLE = Duration.ofSeconds(2);
    private static final String HELO_NAME = "app.helpdesk.test";
    private static final Pattern DELIVERY_PORT = Pattern.compile(
        "(<mailet [^>]*class=\"org\\.helpdeskmail\\.mailets\\.MxDelivery\">.*?<port>)\\s*\\d+\\s*(</port>)", Pattern.DOTALL);
    private static final Pattern DKIM_SIGN = Pattern.compile(
        "<mailet [^>]*class=\"org\\.helpdeskmail\\.mailets\\.DkimSign\"\\s*(/>|>.*?</mailet>)", Pattern.DOTALL);

    /** CPU seconds of the measured MTA so far: total, user, system. */
    private interface CpuMeter {
        double[] read() throws IOException;
    }

    /** What the load goes to, and how its resources are read. */
    private record Target(String description, InetSocketAddress submission, SmtpSession.Credentials credentials, Long pid,
                          CpuMeter cpu, java.util.function.Supplier<MemorySampler> memory) {
    }

    private final OutboundOptions options;
    private final long ticksPerSecond;

    OutboundBenchmark(OutboundOptions options) throws IOException, InterruptedException {
        this.options = options;
        this.ticksPerSecond = ProcFs.clockTicksPerSecond();
    }

    public static void main(String[] args) throws Exception {
        OutboundOptions options;
        try {
            options = OutboundOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        try {
            OutboundResult result = new OutboundBenchmark(options).run();
            Files.createDirectories(options.output().toAbsolutePath().getParent());
            JSON.writeValue(options.output().toFile(), result);
            System.out.println(summary(result));
            System.out.println("  written to " + options.output());
            System.exit(result.complete() ? 0 : 1);
        } catch (InboundBenchmark.Aborted e) {
            System.err.println("outbound benchmark aborted: " + e.getMessage());
            System.exit(1);
        }
    }

    OutboundResult run() throws Exception {
        MessageMix mix = MessageMix.load(options.mix(), options.samples(), "outbound-", true);
        try (SinkMx sink = SinkMx.start(options.sinkPort(), options.sinkStarttls())) {
            return options.peer() == null ? runOurs(sink, mix) : runPeer(sink, mix);
        }
    }

    private OutboundResult runOurs(SinkMx sink, MessageMix mix) throws Exception {
        String recipientDomain = options.recipients().domain();
        String mxHost = "mx." + recipientDomain;
        try (WebhookReceiver events = WebhookReceiver.start(0, 8);
             LoopbackDnsResponder dns = new LoopbackDnsResponder().mx(recipientDomain, 10, mxHost).a(mxHost, "127.0.0.1").start()) {
            String eventsUrl = "http://127.0.0.1:" + events.port() + "/events";
            System.out.println("starting " + options.distribution() + " (DNS 127.0.0.1:" + dns.port() + ": MX of " + recipientDomain
                + " -> " + mxHost + " -> 127.0.0.1, sink port " + sink.port() + "; events " + eventsUrl + ")");
            try (ServerProcess server = ServerProcess.start(options.distribution(), "http://127.0.0.1:" + events.port() + "/inbound",
                     options.domains(), dns.port(), true, options.serverJavaOpts(), Map.of("HELPDESK_EVENTS_URL", eventsUrl),
                     conf -> deliverTo(conf.resolve("mailetcontainer.xml"), sink.port(), options.dkim()))) {
                try {
                    server.addUser(options.user(), options.password());
                    long pid = server.pid();
                    Target target = new Target("helpdesk-mail", server.submissionAddress(),
                        new SmtpSession.Credentials(options.user(), options.password()), pid, () -> processCpu(pid), () -> MemorySampler.start(pid));
                    return measure(target, sink, mix, events, dns);
                } finally {
                    server.copyLogTo(options.output().resolveSibling(options.output().getFileName().toString().replaceFirst("\\.json$", "") + ".server.log"));
                }
            }
        }
    }

    private OutboundResult runPeer(SinkMx sink, MessageMix mix) throws Exception {
        OutboundOptions.Peer peer = options.peer();
        int colon = peer.smtp().lastIndexOf(':');
        InetSocketAddress smtp = new InetSocketAddress(peer.smtp().substring(0, colon), Integer.parseInt(peer.smtp().substring(colon + 1)));
        System.out.println("measuring the peer (" + peer.description() + ") at " + peer.smtp() + ", sink port " + sink.port()
            + "; its CPU: " + peer.cpuCgroups().stream().map(path -> path.getFileName().toString()).toList());
        Target target = new Target(peer.description(), smtp, null, null, () -> cgroupCpu(peer.cpuCgroups()),
            () -> MemorySampler.startCgroup(peer.memoryCgroup()));
        return measure(target, sink, mix, null, null);
    }

    /**
     * MxDelivery connects to the MX hosts on its {@code port}: the sink's here, found through the
     * real MX lookup. Without DKIM, DkimSign leaves the outbound processor.
     */
    static void deliverTo(Path mailetContainer, int port, boolean dkim) throws IOException {
        String xml = Files.readString(mailetContainer, StandardCharsets.UTF_8);
        Matcher delivery = DELIVERY_PORT.matcher(xml);
        if (!delivery.find()) {
            throw new IOException("no <port> in the MxDelivery mailet of " + mailetContainer + ": cannot point it at the sink");
        }
        xml = delivery.replaceFirst("$1" + port + "$2");
        if (!dkim) {
            Matcher signer = DKIM_SIGN.matcher(xml);
            if (!signer.find()) {
                throw new IOException("no DkimSign mailet in " + mailetContainer);
            }
            xml = signer.replaceFirst("");
        }
        Files.writeString(mailetContainer, xml, StandardCharsets.UTF_8);
    }

    private OutboundResult measure(Target target, SinkMx sink, MessageMix mix, WebhookReceiver events, LoopbackDnsResponder dns)
            throws Exception {
        String run = Long.toString(System.currentTimeMillis(), 36);
        LoadGenerator generator = new LoadGenerator(new LoadGenerator.Settings(target.submission(), options.concurrency(),
            options.messagesPerSession(), options.ratePerSecond(), HELO_NAME, options.senders(), options.recipients(), mix,
            target.credentials()));
        warmUp(generator, sink, events, "bench-" + run + "-w");
        Thread.sleep(SETTLE.toMillis());

        String loadBefore = ProcFs.loadAverage();
        SinkMx.Stats sinkBefore = sink.stats();
        long eventsBefore = events == null ? 0 : events.stats().posts();
        long dnsBefore = dns == null ? 0 : dns.stats().queries();
        double[] cpuBefore = target.cpu().read();
        ProcFs.CpuTicks benchBefore = ProcFs.processCpu(ProcessHandle.current().pid());
        long busyBefore = ProcFs.machineBusyTicks();
        LoadGenerator.Result sent;
        double[] cpuAfter;
        ProcFs.CpuTicks benchAfter;
        long busyAfter;
        MemorySampler.Peaks memory;
        try (MemorySampler sampler = target.memory().get()) {
            System.out.printf(Locale.ROOT, "submitting %d messages (%s) over %d sessions to %s%s%n", options.messages(), mix.spec(),
                options.concurrency(), target.description(), options.ratePerSecond() > 0 ? " at " + options.ratePerSecond() + " msg/s" : "");
            sent = generator.run("bench-" + run + "-", options.messages());
            sink.awaitAll(tokens(sent), options.timeout());
            cpuAfter = target.cpu().read();
            benchAfter = ProcFs.processCpu(ProcessHandle.current().pid());
            busyAfter = ProcFs.machineBusyTicks();
            memory = sampler.stop();
        }
        SinkMx.Stats sinkAfter = sink.stats();
        OutboundResult.Delivery delivery = delivery(sent, sink, sinkBefore, sinkAfter);
        OutboundResult.Events eventFigures = null;
        if (events != null) {
            long inWindow = events.stats().posts() - eventsBefore;
            awaitCount(() -> events.stats().posts() - eventsBefore, sent.accepted().size(), EVENTS_TIMEOUT);
            eventFigures = new OutboundResult.Events(inWindow, events.stats().posts() - eventsBefore);
        }

        double cpuSeconds = cpuAfter[0] - cpuBefore[0];
        double benchSeconds = benchAfter.minus(benchBefore).total() / (double) ticksPerSecond;
        double busySeconds = (busyAfter - busyBefore) / (double) ticksPerSecond;
        int accepted = sent.accepted().size();
        boolean complete = sent.failures().isEmpty() && delivery.missing() == 0 && accepted > 0;
        return new OutboundResult("outbound", target.description(), complete,
            new OutboundResult.Setup(mix.spec(), options.messages(), options.concurrency(), options.messagesPerSession(),
                options.ratePerSecond(), options.warmupMessages(), options.senders().pattern(), options.recipients().pattern(),
                target.credentials() != null, options.peer() == null ? options.dkim() : null, options.sinkStarttls(),
                options.peer() == null ? options.serverJavaOpts() : null, target.description()),
            new OutboundResult.Submission(accepted, sent.failures().size(),
                sent.failures().stream().limit(5).map(f -> "#" + f.messageNumber() + ": " + f.reason()).toList(),
                round3(sent.seconds()), round1(accepted / sent.seconds())),
            delivery, eventFigures,
            new OutboundResult.Mta(target.pid(), round2(cpuSeconds), round2(cpuAfter[1] - cpuBefore[1]), round2(cpuAfter[2] - cpuBefore[2]),
                round2(accepted == 0 ? 0 : cpuSeconds * 1000 / accepted), mib(memory.vmRssKiB()), mib(memory.rssAnonKiB()),
                target.pid() == null ? null : mib(ProcFs.statusKiB(target.pid(), "VmHWM")), memory.samples()),
            dns == null ? null : dns.stats().queries() - dnsBefore,
            InboundResult.Machine.measured(ticksPerSecond, benchSeconds, busySeconds, cpuSeconds, loadBefore));
    }

    private void warmUp(LoadGenerator generator, SinkMx sink, WebhookReceiver events, String prefix) throws Exception {
        if (options.warmupMessages() == 0) {
            return;
        }
        System.out.printf(Locale.ROOT, "warm-up: %d messages (not counted)%n", options.warmupMessages());
        long eventsBefore = events == null ? 0 : events.stats().posts();
        LoadGenerator.Result warm = generator.run(prefix, options.warmupMessages(), 0);
        if (!warm.failures().isEmpty()) {
            LoadGenerator.Failure first = warm.failures().get(0);
            throw new InboundBenchmark.Aborted(warm.failures().size() + " of " + options.warmupMessages()
                + " warm-up messages were refused; the first: " + first.reason());
        }
        List<String> tokens = tokens(warm);
        if (!sink.awaitAll(tokens, WARMUP_TIMEOUT)) {
            throw new InboundBenchmark.Aborted("only " + sink.receivedOf(tokens) + " of " + tokens.size()
                + " warm-up messages reached the sink within " + WARMUP_TIMEOUT.toSeconds() + " s (see the server log)");
        }
        if (events != null) {
            // The events of the warm-up are more mail for the server: let them go before the window opens.
            awaitCount(() -> events.stats().posts() - eventsBefore, tokens.size(), EVENTS_TIMEOUT);
        }
    }

    private static List<String> tokens(LoadGenerator.Result result) {
        return result.accepted().stream().map(LoadGenerator.Accepted::token).toList();
    }

    private static void awaitCount(java.util.function.LongSupplier count, long target, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (count.getAsLong() < target && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    private static OutboundResult.Delivery delivery(LoadGenerator.Result sent, SinkMx sink, SinkMx.Stats before, SinkMx.Stats after) {
        long[] latencies = new long[sent.accepted().size()];
        int received = 0;
        long last = sent.startNanos();
        for (LoadGenerator.Accepted message : sent.accepted()) {
            Optional<SinkMx.Delivery> delivered = sink.firstDelivery(message.token());
            if (delivered.isPresent()) {
                latencies[received++] = delivered.get().receivedAtNanos() - message.acceptedAtNanos();
                last = Math.max(last, delivered.get().receivedAtNanos());
            }
        }
        int missing = sent.accepted().size() - received;
        // Throughput only when every accepted message arrived: a partial window would flatter the figure.
        Double seconds = missing == 0 && received > 0 ? round3((last - sent.startNanos()) / 1e9) : null;
        return new OutboundResult.Delivery(seconds, seconds == null ? null : round1(received / seconds),
            LatencySummary.ofNanos(Arrays.copyOf(latencies, received)), after.messages() - before.messages(), after.bytes() - before.bytes(),
            after.withoutToken() - before.withoutToken(), after.duplicates() - before.duplicates(), missing,
            after.dkimSigned() - before.dkimSigned(), after.verpReturnPaths() - before.verpReturnPaths(),
            after.connections() - before.connections(), after.tlsSessions() - before.tlsSessions());
    }

    private double[] processCpu(long pid) throws IOException {
        ProcFs.CpuTicks ticks = ProcFs.processCpu(pid);
        return new double[] {ticks.total() / (double) ticksPerSecond, ticks.user() / (double) ticksPerSecond,
            ticks.system() / (double) ticksPerSecond};
    }

    /** cgroup-v1 cpuacct: usage in ns (exact, exited processes included), user and system from cpuacct.stat (ticks). */
    private double[] cgroupCpu(List<Path> cgroups) throws IOException {
        double total = 0;
        double user = 0;
        double system = 0;
        for (Path cgroup : cgroups) {
            total += Long.parseLong(Files.readString(cgroup.resolve("cpuacct.usage")).trim()) / 1e9;
            for (String line : Files.readAllLines(cgroup.resolve("cpuacct.stat"))) {
                String[] field = line.split(" ");
                if (field[0].equals("user")) {
                    user += Long.parseLong(field[1]) / (double) ticksPerSecond;
                } else if (field[0].equals("system")) {
                    system += Long.parseLong(field[1]) / (double) ticksPerSecond;
                }
            }
        }
        return new double[] {total, user, system};
    }

    static String summary(OutboundResult r) {
        StringBuilder out = new StringBuilder();
        OutboundResult.Setup s = r.setup();
        out.append(String.format(Locale.ROOT, "outbound %s to %s, %d messages, %d sessions x %d message(s)%s%s%s%n", s.mix(), r.target(),
            s.messages(), s.concurrency(), s.messagesPerSession(), s.authenticated() ? ", STARTTLS+AUTH" : ", plain SMTP",
            s.dkim() == null ? "" : s.dkim() ? ", DKIM on" : ", DKIM off", r.complete() ? "" : " (INCOMPLETE)"));
        OutboundResult.Submission sub = r.submission();
        out.append(String.format(Locale.ROOT, "  submission: %d accepted, %d refused/failed, %.3f s, %.1f msg/s%n",
            sub.accepted(), sub.failed(), sub.seconds(), sub.messagesPerSecond()));
        sub.firstFailures().forEach(f -> out.append("    ").append(f).append('\n'));
        OutboundResult.Delivery d = r.delivery();
        LatencySummary l = d.latencyFromSubmissionToSink();
        out.append(String.format(Locale.ROOT, "  delivery:   %s s, %s msg/s; latency 250 -> sink p50 %s ms, p99 %s ms, max %s ms%n",
            d.seconds(), d.messagesPerSecond(), l.p50Ms(), l.p99Ms(), l.maxMs()));
        out.append(String.format(Locale.ROOT, "  sink:       %d messages (%d DKIM-signed, %d VERP return paths), %d missing, %d duplicates, "
            + "%d without token; %d connections, %d TLS%n", d.messages(), d.dkimSigned(), d.verpReturnPaths(), d.missing(), d.duplicates(),
            d.withoutToken(), d.connections(), d.tlsSessions()));
        if (r.events() != null) {
            out.append(String.format(Locale.ROOT, "  events:     %d POSTs in the window, %d once they had come%n", r.events().postsInWindow(),
                r.events().postsAfterWait()));
        }
        OutboundResult.Mta m = r.mta();
        out.append(String.format(Locale.ROOT, "  mta:        %.2f s CPU (user %.2f, sys %.2f) = %.2f ms/msg; peak RSS %.1f MiB (anon %.1f)%s%n",
            m.cpuSeconds(), m.cpuUserSeconds(), m.cpuSystemSeconds(), m.cpuMsPerMessage(), m.peakRssMiB(), m.peakRssAnonMiB(),
            m.vmHwmMiB() == null ? "" : ", VmHWM " + m.vmHwmMiB() + " MiB"));
        InboundResult.Machine machine = r.machine();
        out.append(String.format(Locale.ROOT, "  machine:    %d cpus; benchmark JVM %.2f s CPU; other processes %.2f s; load before %s",
            machine.cpus(), machine.benchmarkJvmCpuSeconds(), machine.otherCpuSeconds(), machine.loadAverageBefore()));
        return out.toString();
    }
}
