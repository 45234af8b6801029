package org.helpdeskmail.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import static org.helpdeskmail.bench.Rounding.round1;
import static org.helpdeskmail.bench.Rounding.round3;

/**
 * A crash test, not a measurement of speed: the distribution is started on one var/ again and again,
 * each time given a steady inbound load (SMTP in, webhook POST out) for a few random seconds, and
 * SIGKILLed under it. After the last kill it starts once more and gets until the drain timeout to
 * POST what it still owes. Every message carries a token of its own in its Subject (and its own
 * Message-ID); the benchmark notes which ones got their 250 at the end of DATA (from then on the
 * server owns them), and the webhook receiver which ones were POSTed, how often, and under which
 * X-Helpdesk-Id. None acknowledged may be lost; repeats are allowed (at-least-once) and counted. A
 * start that does not reach the MX's 220 (a journal the kill damaged, say) is reported with its
 * log, counted, and the next round tries again; after a few in a row the rounds stop. Exits 0 when
 * nothing was lost and every start succeeded, 1 otherwise, 2 on a bad command line.
 */
public final class KillRecoveryBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final int LOG_TAIL_LINES = 30;
    private static final int FAILURES_LISTED = 3;
    /** The load thread has the SMTP session's socket timeout (60 s) to notice the kill; it takes milliseconds. */
    private static final Duration LOAD_STOP_TIMEOUT = Duration.ofSeconds(90);
    /** After the drain, for a repeat that was on its way when the last acknowledged message arrived. */
    private static final Duration SETTLE = Duration.ofSeconds(2);

    /** Every message sent so far, by outcome; only the thread running the rounds touches it. */
    private static final class Ledger {
        final List<String> acknowledged = new ArrayList<>();
        final List<String> failed = new ArrayList<>();
        int sent;
        int refused;
        int broken;
    }

    private final KillRecoveryOptions options;
    private final Random random;
    private final String run = Long.toString(System.currentTimeMillis(), 36);

    KillRecoveryBenchmark(KillRecoveryOptions options) {
        this.options = options;
        this.random = new Random(options.seed());
    }

    public static void main(String[] args) throws Exception {
        KillRecoveryOptions options;
        try {
            options = KillRecoveryOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        KillRecoveryResult result = new KillRecoveryBenchmark(options).run();
        Files.createDirectories(options.output().toAbsolutePath().getParent());
        JSON.writeValue(options.output().toFile(), result);
        System.out.println(summary(result));
        System.out.println("  written to " + options.output());
        System.exit(result.passed() ? 0 : 1);
    }

    KillRecoveryResult run() throws Exception {
        MessageMix mix = MessageMix.load(options.mix(), options.samples(), "inbound-", true);
        AddressPattern senders = new AddressPattern(AddressPattern.DEFAULT_SENDERS, 1);
        AddressPattern recipients = new AddressPattern(AddressPattern.DEFAULT_RECIPIENTS, 10);
        String heloName = "mail-out." + senders.domain();
        Path home = Files.createTempDirectory("helpdesk-sigkill-");
        Ledger ledger = new Ledger();
        List<KillRecoveryResult.Round> rounds = new ArrayList<>();
        List<KillRecoveryResult.StartFailure> startFailures = new ArrayList<>();
        KillRecoveryResult.FinalStart finalStart;
        DeliveryAccount account;
        int kills = 0;
        try (WebhookReceiver receiver = WebhookReceiver.start(0, 16);
             LoopbackDnsResponder dns = LoopbackDnsResponder.senderZone(senders.domain(), heloName).start()) {
            // The limits per client are lifted: all the load comes from 127.0.0.1 (see ServerProcess).
            ServerProcess.Launch launch = ServerProcess.Launch.of(options.distribution(), "http://127.0.0.1:" + receiver.port() + "/inbound",
                "helpdesk.localhost", dns.port()).liftingRateLimits(true).withJavaOpts(options.serverJavaOpts());
            System.out.printf(Locale.ROOT, "%d rounds of: start %s on %s, %.0f msg/s over %d sessions for %.1f-%.1f s, SIGKILL (seed %d)%n",
                options.kills(), options.distribution(), home.resolve("var"), options.ratePerSecond(), options.sessions(),
                options.minimumLoad().toMillis() / 1000.0, options.maximumLoad().toMillis() / 1000.0, options.seed());
            int failuresInARow = 0;
            for (int round = 1; round <= options.kills(); round++) {
                long startedAt = System.nanoTime();
                ServerProcess server;
                try {
                    server = ServerProcess.startIn(home, launch);
                } catch (IOException | RuntimeException e) {
                    startFailures.add(startFailure(round, startedAt, e, home));
                    rounds.add(new KillRecoveryResult.Round(round, null, null, 0, 0, 0, 0, List.of()));
                    if (++failuresInARow >= options.maximumStartFailuresInARow()) {
                        System.out.printf("%d starts in a row failed: no more rounds (var/ kept at %s)%n", failuresInARow, home.resolve("var"));
                        break;
                    }
                    continue;
                }
                failuresInARow = 0;
                double startSeconds = (System.nanoTime() - startedAt) / 1e9;
                KillRecoveryResult.Round result = loadAndKill(server, round, startSeconds, mix, heloName, senders, recipients, ledger);
                kills++;
                rounds.add(result);
                System.out.printf(Locale.ROOT, "round %d/%d: 220 after %.1f s, %.1f s of load: %d acknowledged, %d refused, %d broken; SIGKILL; "
                        + "%d of %d acknowledged POSTed so far%n", round, options.kills(), startSeconds, result.loadSeconds(), result.acknowledged(),
                    result.refused(), result.broken(), receiver.receivedOf(ledger.acknowledged), ledger.acknowledged.size());
            }
            finalStart = finalStart(home, launch, receiver, ledger, startFailures);
            account = DeliveryAccount.of(ledger.acknowledged, ledger.failed, helpdeskIdsOfRun(receiver));
        } finally {
            keepLogAndVar(home, startFailures.isEmpty());
        }
        boolean passed = account.lost() == 0 && startFailures.isEmpty() && finalStart.started();
        return new KillRecoveryResult("sigkill", passed,
            new KillRecoveryResult.Setup(options.kills(), options.ratePerSecond(), options.sessions(), options.messagesPerSession(),
                options.minimumLoad().toMillis() / 1000.0, options.maximumLoad().toMillis() / 1000.0, options.seed(), options.mix(),
                options.drainTimeout().toSeconds(), options.distribution().toAbsolutePath().normalize().toString(), options.serverJavaOpts()),
            new KillRecoveryResult.Totals(kills, ledger.sent, ledger.refused, ledger.broken, startFailures.size(), account),
            rounds, startFailures, finalStart, Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    }

    /**
     * The steady load for a random while, then SIGKILL. The load stops taking new messages just
     * before the kill, so that what breaks is what was under way at that instant (a message between
     * DATA and its 250, a session between two commands), not the connections refused afterwards.
     */
    private KillRecoveryResult.Round loadAndKill(ServerProcess server, int round, double startSeconds, MessageMix mix, String heloName,
                                                 AddressPattern senders, AddressPattern recipients, Ledger ledger) throws Exception {
        LoadGenerator generator = new LoadGenerator(new LoadGenerator.Settings(server.mxAddress(), options.sessions(), options.messagesPerSession(),
            options.ratePerSecond(), heloName, senders, recipients, mix, null));
        long loadMillis = options.minimumLoad().toMillis()
            + Math.round(random.nextDouble() * (options.maximumLoad().toMillis() - options.minimumLoad().toMillis()));
        // More than the load can send before the kill, so that the kill, not the count, ends it.
        int most = (int) Math.ceil(options.ratePerSecond() * (loadMillis / 1000.0 + 1)) + 100;
        AtomicBoolean sending = new AtomicBoolean(true);
        String prefix = "bench-" + run + "k" + round + "-";
        FutureTask<LoadGenerator.Result> load = new FutureTask<>(() -> generator.run(prefix, most, options.ratePerSecond(), sending::get));
        Thread loadThread = new Thread(load, "steady-load");
        loadThread.setDaemon(true);
        long pid = server.pid();
        LoadGenerator.Result sent;
        try {
            loadThread.start();
            Thread.sleep(loadMillis);
            sending.set(false);
            server.kill();
            sent = load.get(LOAD_STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the load of round " + round + " failed", e.getCause());
        } finally {
            server.close(); // after the kill: nothing left to stop, the kept work directory stays
        }
        int refused = 0;
        for (LoadGenerator.Failure failure : sent.failures()) {
            ledger.failed.add(prefix + failure.messageNumber());
            refused += failure.rejected() ? 1 : 0;
        }
        sent.accepted().forEach(accepted -> ledger.acknowledged.add(accepted.token()));
        int broken = sent.failures().size() - refused;
        ledger.sent += sent.accepted().size() + sent.failures().size();
        ledger.refused += refused;
        ledger.broken += broken;
        return new KillRecoveryResult.Round(round, round3(startSeconds), pid, round3(loadMillis / 1000.0), sent.accepted().size(), refused, broken,
            sent.failures().stream().limit(FAILURES_LISTED).map(failure -> "#" + failure.messageNumber() + ": " + failure.reason()).toList());
    }

    /** The start after the last kill: until every acknowledged message was POSTed and the spool is empty, or the drain timeout. */
    private KillRecoveryResult.FinalStart finalStart(Path home, ServerProcess.Launch launch, WebhookReceiver receiver, Ledger ledger,
                                                     List<KillRecoveryResult.StartFailure> startFailures) throws Exception {
        int round = options.kills() + 1;
        long startedAt = System.nanoTime();
        System.out.printf("last start, then up to %d s for %d acknowledged messages (%d POSTed so far)%n", options.drainTimeout().toSeconds(),
            ledger.acknowledged.size(), receiver.receivedOf(ledger.acknowledged));
        try (ServerProcess server = ServerProcess.startIn(home, launch)) {
            long greetedAt = System.nanoTime();
            long deadline = greetedAt + options.drainTimeout().toNanos();
            boolean delivered = receiver.awaitAll(ledger.acknowledged, options.drainTimeout());
            Double drainSeconds = delivered ? round1((System.nanoTime() - greetedAt) / 1e9) : null;
            boolean spoolEmpty = awaitSpoolEmpty(server, deadline);
            Thread.sleep(SETTLE.toMillis());
            return new KillRecoveryResult.FinalStart(true, round3((greetedAt - startedAt) / 1e9), drainSeconds, spoolEmpty, mailRepositories(home));
        } catch (IOException | RuntimeException e) {
            startFailures.add(startFailure(round, startedAt, e, home));
            return new KillRecoveryResult.FinalStart(false, null, null, false, mailRepositories(home));
        }
    }

    /** Whether webadmin showed an empty spool before the deadline (a retry waiting in it would come as a repeat later). */
    private static boolean awaitSpoolEmpty(ServerProcess server, long deadlineNanos) throws InterruptedException {
        do {
            try {
                if (server.spoolSize() == 0) {
                    return true;
                }
            } catch (IOException e) {
                // webadmin not answering yet: look again
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadlineNanos);
        return false;
    }

    private static KillRecoveryResult.StartFailure startFailure(int round, long startedAt, Exception e, Path home) {
        double seconds = round1((System.nanoTime() - startedAt) / 1e9);
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        // ServerProcess puts the log's last lines after the first line of its message; they are kept apart here.
        String[] parts = message.split("\n", 2);
        List<String> tail = parts.length > 1 ? parts[1].lines().toList() : List.of();
        List<String> lastLines = tail.subList(Math.max(0, tail.size() - LOG_TAIL_LINES), tail.size());
        System.out.printf("START FAILED in round %d after %.1f s: %s%n  the server log (%s) ends with:%n", round, seconds, parts[0],
            home.resolve("server.log"));
        lastLines.forEach(line -> System.out.println("  | " + line));
        return new KillRecoveryResult.StartFailure(round, seconds, parts[0], lastLines);
    }

    /** For every token of this run that was POSTed, the X-Helpdesk-Id of each POST. */
    private Map<String, List<String>> helpdeskIdsOfRun(WebhookReceiver receiver) {
        Map<String, List<String>> ids = new HashMap<>();
        for (String token : receiver.tokens()) {
            if (token.startsWith("bench-" + run + "k")) {
                ids.put(token, receiver.posts(token).stream().map(WebhookReceiver.Post::helpdeskId).toList());
            }
        }
        return ids;
    }

    /**
     * Mails in each of the server's file repositories (var/mail/NAME/, one .FileObjectStore file
     * per mail): where a mail that reached the error processor, or whose webhook gave up, waits for
     * an operator.
     */
    private static Map<String, Integer> mailRepositories(Path home) {
        Map<String, Integer> sizes = new TreeMap<>();
        Path mail = home.resolve("var/mail");
        if (!Files.isDirectory(mail)) {
            return sizes;
        }
        try (Stream<Path> repositories = Files.list(mail)) {
            for (Path repository : (Iterable<Path>) repositories::iterator) {
                try (Stream<Path> files = Files.list(repository)) {
                    sizes.put(repository.getFileName().toString(),
                        (int) files.filter(file -> file.getFileName().toString().endsWith(".FileObjectStore")).count());
                }
            }
        } catch (IOException e) {
            System.err.println("could not read " + mail + ": " + e.getMessage());
        }
        return sizes;
    }

    /** The server log of every start next to the result; the var/ only when a start failed (to look at the damage). */
    private void keepLogAndVar(Path home, boolean removeVar) {
        Path log = options.output().resolveSibling(options.output().getFileName().toString().replaceFirst("\\.json$", "") + ".server.log");
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            if (Files.exists(home.resolve("server.log"))) {
                Files.copy(home.resolve("server.log"), log, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            System.err.println("could not keep the server log: " + e.getMessage());
        }
        if (removeVar) {
            ServerProcess.deleteRecursively(home);
        } else {
            System.out.println("a start failed: the work directory (conf/, var/, server.log) is kept at " + home);
        }
    }

    static String summary(KillRecoveryResult result) {
        KillRecoveryResult.Totals totals = result.totals();
        DeliveryAccount delivery = totals.delivery();
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "sigkill: %d kills of %d asked, %s%n", totals.kills(), result.setup().kills(), result.passed() ? "PASSED" : "FAILED"));
        out.append(String.format(Locale.ROOT, "  sent %d: acknowledged %d, refused %d, broken (no 250) %d%n", totals.sent(), delivery.acknowledged(), totals.refused(), totals.broken()));
        out.append(String.format(Locale.ROOT, "  delivered %d distinct (%d of them without a 250), lost %d, repeats %d messages (%d extra POSTs, %d under another X-Helpdesk-Id)%n",
            delivery.delivered(), delivery.deliveredUnacknowledged(), delivery.lost(), delivery.repeated(), delivery.extraPosts(), delivery.repeatedUnderAnotherId()));
        if (delivery.unexpected() > 0) {
            out.append(String.format(Locale.ROOT, "  %d POSTed tokens were never sent%n", delivery.unexpected()));
        }
        if (!delivery.lostTokens().isEmpty()) {
            out.append("  lost, the first: ").append(delivery.lostTokens()).append('\n');
        }
        out.append(String.format(Locale.ROOT, "  start failures %d%s%n", totals.startFailures(),
            result.startFailures().stream().map(failure -> " [round " + failure.round() + ": " + failure.error() + "]").reduce("", String::concat)));
        KillRecoveryResult.FinalStart last = result.finalStart();
        out.append(String.format(Locale.ROOT, "  last start: %s; all acknowledged POSTed %s; spool empty at the end: %s; mail repositories %s",
            last.started() ? "220 after " + last.startSeconds() + " s" : "FAILED",
            last.drainSeconds() != null ? last.drainSeconds() + " s after its 220" : "NOT within the drain timeout",
            last.spoolEmpty(), last.mailRepositories()));
        return out.toString();
    }
}
