package org.helpdeskmail.bench;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import static org.helpdeskmail.bench.Rounding.round2;
import static org.helpdeskmail.bench.Rounding.round3;

/**
 * How fast the MX greets a burst of new clients: the distribution started as deployed (its conf/
 * untouched, limits included, and the JVM's own resolver for client names: no hosts file of ours),
 * then N connections opened at once from A loopback addresses, and for each the time from the start
 * of connect() to its complete 220. A second burst from the same addresses follows the first (each
 * burst is closed with QUIT before the next: both open at once would be over the MX's
 * connectionLimit). The goal: every connection greeted within 1 s. Exits 0 when every burst met it,
 * 1 when one did not, 2 on a bad command line.
 *
 * <p>The server's DNS is the benchmark's loopback responder, which gives every client address a
 * forward-confirmed name, so that the server's own lookups (through its DNS service) get quick
 * answers; what the JVM's resolver does with the client addresses is up to the machine, which is
 * the point: that is how the server runs when deployed.
 */
public final class GreetingBurstBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Duration QUIT_TIMEOUT = Duration.ofSeconds(30);
    private static final String CLIENT_DOMAIN = "greeting-clients.test";

    private final GreetingOptions options;

    GreetingBurstBenchmark(GreetingOptions options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        GreetingOptions options;
        try {
            options = GreetingOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        GreetingResult result = new GreetingBurstBenchmark(options).run();
        Files.createDirectories(options.output().toAbsolutePath().getParent());
        JSON.writeValue(options.output().toFile(), result);
        System.out.println("  written to " + options.output());
        System.exit(result.goalMet() ? 0 : 1);
    }

    GreetingResult run() throws Exception {
        MxLimits limits = MxLimits.read(options.distribution().resolve("conf/smtpserver.xml"));
        List<String> limitsMet = limits.limitsMet(options.connections(), options.perAddress(), options.bursts());
        limitsMet.forEach(limit -> System.out.println("warning: " + limit + ": those connections will be refused by design"));
        long ticksPerSecond = ProcFs.clockTicksPerSecond();
        List<InetAddress> clients = options.clientOfEachConnection();
        Path log = options.output().resolveSibling(options.output().getFileName().toString().replaceFirst("\\.json$", "") + ".server.log");
        try (WebhookReceiver receiver = WebhookReceiver.start(0, 2); LoopbackDnsResponder dns = clientNames().start()) {
            ServerProcess.Launch launch = ServerProcess.Launch.of(options.distribution(), "http://127.0.0.1:" + receiver.port() + "/inbound",
                "helpdesk.localhost", dns.port()).withJavaOpts(options.serverJavaOpts()).withSystemResolver();
            System.out.printf("starting %s as deployed (its limits, the JVM's resolver; DNS 127.0.0.1:%d)%n", options.distribution(), dns.port());
            try (ServerProcess server = ServerProcess.start(launch)) {
                try {
                    System.out.printf(Locale.ROOT, "%d connections at once from %s ... %s (%d each) to the MX at %s; goal: every 220 within %d ms%n",
                        options.connections(), clients.get(0).getHostAddress(), GreetingOptions.clientAddress(options.addresses() - 1).getHostAddress(),
                        options.perAddress(), server.mxAddress(), options.goal().toMillis());
                    List<GreetingResult.Burst> bursts = new ArrayList<>();
                    for (int burst = 1; burst <= options.bursts(); burst++) {
                        bursts.add(burst(burst, server, dns, clients, ticksPerSecond));
                    }
                    boolean goalMet = bursts.stream().allMatch(GreetingResult.Burst::goalMet);
                    System.out.println(goalMet ? "goal met: every connection of every burst was greeted within " + options.goal().toMillis() + " ms"
                        : "goal MISSED: not every connection was greeted within " + options.goal().toMillis() + " ms");
                    return new GreetingResult("greeting-burst", goalMet,
                        new GreetingResult.Setup(options.connections(), options.addresses(), clients.get(0).getHostAddress(),
                            GreetingOptions.clientAddress(options.addresses() - 1).getHostAddress(), options.perAddress(), options.goal().toMillis(),
                            options.timeout().toSeconds(), options.distribution().toAbsolutePath().normalize().toString(), options.distributionCommit(),
                            options.serverJavaOpts(), "system", limits),
                        bursts, new GreetingResult.Server(server.pid(), log.toString()), Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
                } finally {
                    server.copyLogTo(log);
                }
            }
        }
    }

    /** Every client address gets a name (PTR) that resolves back to it (A), as a well-run sending MTA's does. */
    private LoopbackDnsResponder clientNames() throws Exception {
        LoopbackDnsResponder dns = new LoopbackDnsResponder();
        for (int i = 0; i < options.addresses(); i++) {
            dns.hostName(GreetingOptions.clientAddress(i).getHostAddress(), "mta" + (i + 2) + "." + CLIENT_DOMAIN);
        }
        return dns;
    }

    private GreetingResult.Burst burst(int number, ServerProcess server, LoopbackDnsResponder dns, List<InetAddress> clients,
                                       long ticksPerSecond) throws Exception {
        long dnsBefore = dns.stats().queries();
        ProcFs.CpuTicks cpuBefore = ProcFs.processCpu(server.pid());
        List<ConnectionBurst.Outcome> outcomes;
        double seconds;
        ConnectionBurst.QuitOutcome quit;
        try (ConnectionBurst burst = ConnectionBurst.open(server.mxAddress(), clients, options.timeout())) {
            outcomes = burst.outcomes();
            seconds = burst.seconds();
            quit = burst.quit(QUIT_TIMEOUT);
        }
        double cpu = ProcFs.processCpu(server.pid()).minus(cpuBefore).total() / (double) ticksPerSecond;
        GreetingResult.Burst result = summarize(number, outcomes, options.goal(), round3(seconds), round2(cpu), dns.stats().queries() - dnsBefore, quit);
        print(result);
        return result;
    }

    static GreetingResult.Burst summarize(int number, List<ConnectionBurst.Outcome> outcomes, Duration goal, double seconds, double serverCpu,
                                          long dnsQueries, ConnectionBurst.QuitOutcome quit) {
        List<ConnectionBurst.Outcome> greeted = outcomes.stream().filter(ConnectionBurst.Outcome::greeted).toList();
        Map<String, Integer> others = new TreeMap<>();
        outcomes.stream().filter(outcome -> !outcome.greeted()).forEach(outcome -> others.merge(outcome.kind(), 1, Integer::sum));
        int withinGoal = (int) greeted.stream().filter(outcome -> outcome.repliedNanos() <= goal.toNanos()).count();
        LatencySummary greeting = LatencySummary.ofNanos(greeted.stream().mapToLong(ConnectionBurst.Outcome::repliedNanos).toArray());
        LatencySummary established = LatencySummary.ofNanos(outcomes.stream().mapToLong(ConnectionBurst.Outcome::connectedNanos)
            .filter(nanos -> nanos >= 0).toArray());
        return new GreetingResult.Burst(number, outcomes.size(), greeted.size(), others, greeting,
            bySecond(greeted.stream().mapToLong(ConnectionBurst.Outcome::repliedNanos).toArray()), established,
            bySecond(outcomes.stream().mapToLong(ConnectionBurst.Outcome::connectedNanos).filter(nanos -> nanos >= 0).toArray()), withinGoal,
            !outcomes.isEmpty() && withinGoal == outcomes.size(), seconds, serverCpu, dnsQueries, quit);
    }

    /** How many of the times fall in each whole second (0: under 1 s). */
    private static Map<Long, Integer> bySecond(long[] nanos) {
        Map<Long, Integer> counts = new TreeMap<>();
        for (long time : nanos) {
            counts.merge(time / 1_000_000_000L, 1, Integer::sum);
        }
        return counts;
    }

    private static void print(GreetingResult.Burst burst) {
        LatencySummary greeting = burst.connectToGreeting();
        System.out.printf(Locale.ROOT, "burst %d: %d connections, %d got 220%s%n", burst.burst(), burst.connections(), burst.greeted(),
            burst.others().isEmpty() ? "" : "; the others: " + burst.others());
        System.out.printf(Locale.ROOT, "  connect() -> 220: p50 %s ms, p90 %s ms, p99 %s ms, max %s ms; %d within the goal -> %s%n",
            greeting.p50Ms(), greeting.p90Ms(), greeting.p99Ms(), greeting.maxMs(), burst.withinGoal(), burst.goalMet() ? "goal met" : "goal MISSED");
        System.out.printf(Locale.ROOT, "  220s by whole second after connect(): %s%n", burst.greetedBySecond());
        System.out.printf(Locale.ROOT, "  connect() -> established: p50 %s ms, p90 %s ms, max %s ms, by whole second %s; burst %.3f s, server CPU %.2f s, %d DNS queries to the responder%n",
            burst.connectToEstablished().p50Ms(), burst.connectToEstablished().p90Ms(), burst.connectToEstablished().maxMs(), burst.establishedBySecond(), burst.seconds(), burst.serverCpuSeconds(), burst.dnsQueries());
        System.out.printf(Locale.ROOT, "  QUIT: sent %d, 221 %d, closed by the server %d%s%n", burst.quit().sent(), burst.quit().replied221(),
            burst.quit().closedByServer(), burst.quit().others().isEmpty() ? "" : "; " + burst.quit().others());
    }
}
