package org.helpdeskmail.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/** The command line of {@link OutboundBenchmark}; see {@link #USAGE}. */
public record OutboundOptions(Path distribution, Path samples, String mix, int messages, int concurrency, int messagesPerSession,
                              double ratePerSecond, int warmupMessages, AddressPattern senders, AddressPattern recipients,
                              String user, String password, String domains, boolean dkim, int sinkPort, boolean sinkStarttls,
                              Duration timeout, Path output, String serverJavaOpts, Peer peer) {

    /**
     * Measure the peer instead of our server: its SMTP listener (plain, no AUTH: it relays for
     * 127.0.0.0/8), the cgroup-v1 cpuacct folders whose CPU counts as the peer's (Postfix, and the
     * OpenDKIM milter when it signs), the memory cgroup of Postfix, and what to call it.
     */
    public record Peer(String smtp, List<Path> cpuCgroups, Path memoryCgroup, String description) {
    }

    public static final String USAGE = """
        usage: OutboundBenchmark [options]
          --distribution DIR     the built distribution (default server/target/helpdesk-mail-0.1.0)
          --samples DIR          folder of outbound-<name>.eml (default ../shared/bench/peer/samples)
          --mix SPEC             2k | 50k | 2k:9,50k:1 ... (default 2k)
          --messages N           measured messages (default 5000)
          --concurrency C        concurrent submission sessions (default 10)
          --per-session M        messages per session before reconnecting (default 1, as the peer's smtp-source)
          --rate R               start at most R messages per second (default 0: as fast as the sessions go)
          --warmup W             messages sent first and not counted (default 300)
          --sender PATTERN       envelope sender (default support@helpdesk.test, the peer's)
          --recipient PATTERN    {n} = message number (default user{n}@remote.test; the sink's domain is its domain)
          --user U --password P  the submission user the benchmark creates (default app@helpdesk.test)
          --domains LIST         HELPDESK_DOMAINS of the server (default helpdesk.test); the first one's DKIM key signs
          --no-dkim              take DkimSign out of the outbound processor (to see what signing costs)
          --sink-port P          the sink MX's port (default 0: any free one)
          --sink-starttls        the sink offers STARTTLS (our server then uses it; the peer's Postfix does not)
          --timeout SECONDS      how long to wait for the deliveries (default 600)
          --output FILE          JSON result (default bench/results/outbound-<mix>.json)
          --server-java-opts S   JAVA_OPTS of the server (default: the start script's own)
          --peer HOST:PORT       measure the peer's MTA listening there instead of our server
          --peer-cpu-cgroups D,D cgroup-v1 cpuacct folders counted as the peer's CPU
          --peer-memory-cgroup D cgroup-v1 memory folder of the peer's MTA
          --peer-description S   how the peer is named in the result
        """;

    public static OutboundOptions parse(String... args) {
        Path distribution = Path.of("server/target/helpdesk-mail-0.1.0");
        Path samples = Path.of("../shared/bench/peer/samples");
        String mix = "2k";
        int messages = 5000;
        int concurrency = 10;
        int perSession = 1;
        double rate = 0;
        int warmup = 300;
        String sender = "support@helpdesk.test";
        String recipient = "user{n}@remote.test";
        String user = "app@helpdesk.test";
        String password = "benchmark password 1";
        String domains = "helpdesk.test";
        boolean dkim = true;
        int sinkPort = 0;
        boolean sinkStarttls = false;
        int timeoutSeconds = 600;
        Path output = null;
        String javaOpts = null;
        String peerSmtp = null;
        List<Path> peerCpu = List.of();
        Path peerMemory = null;
        String peerDescription = "peer";

        Deque<String> rest = new ArrayDeque<>(Arrays.asList(args));
        while (!rest.isEmpty()) {
            String option = rest.pop();
            switch (option) {
                case "--distribution" -> distribution = Path.of(BenchmarkOptions.value(option, rest));
                case "--samples" -> samples = Path.of(BenchmarkOptions.value(option, rest));
                case "--mix" -> mix = BenchmarkOptions.value(option, rest);
                case "--messages" -> messages = BenchmarkOptions.positive(option, rest);
                case "--concurrency" -> concurrency = BenchmarkOptions.positive(option, rest);
                case "--per-session" -> perSession = BenchmarkOptions.positive(option, rest);
                case "--rate" -> rate = Double.parseDouble(BenchmarkOptions.value(option, rest));
                case "--warmup" -> warmup = Integer.parseInt(BenchmarkOptions.value(option, rest));
                case "--sender" -> sender = BenchmarkOptions.value(option, rest);
                case "--recipient" -> recipient = BenchmarkOptions.value(option, rest);
                case "--user" -> user = BenchmarkOptions.value(option, rest);
                case "--password" -> password = BenchmarkOptions.value(option, rest);
                case "--domains" -> domains = BenchmarkOptions.value(option, rest);
                case "--no-dkim" -> dkim = false;
                case "--sink-port" -> sinkPort = Integer.parseInt(BenchmarkOptions.value(option, rest));
                case "--sink-starttls" -> sinkStarttls = true;
                case "--timeout" -> timeoutSeconds = BenchmarkOptions.positive(option, rest);
                case "--output" -> output = Path.of(BenchmarkOptions.value(option, rest));
                case "--server-java-opts" -> javaOpts = BenchmarkOptions.value(option, rest);
                case "--peer" -> peerSmtp = BenchmarkOptions.value(option, rest);
                case "--peer-cpu-cgroups" -> peerCpu = Arrays.stream(BenchmarkOptions.value(option, rest).split(",")).map(Path::of).toList();
                case "--peer-memory-cgroup" -> peerMemory = Path.of(BenchmarkOptions.value(option, rest));
                case "--peer-description" -> peerDescription = BenchmarkOptions.value(option, rest);
                default -> throw new IllegalArgumentException("unknown option " + option + "\n" + USAGE);
            }
        }
        if (rate < 0 || warmup < 0 || sinkPort < 0 || sinkPort > 65_535) {
            throw new IllegalArgumentException("--rate and --warmup must not be negative, --sink-port is 0..65535");
        }
        if (peerSmtp != null && (peerCpu.isEmpty() || peerMemory == null)) {
            throw new IllegalArgumentException("--peer needs --peer-cpu-cgroups and --peer-memory-cgroup (how its CPU and memory are read)");
        }
        if (output == null) {
            output = Path.of("bench/results", "outbound-" + mix.replaceAll("[^0-9A-Za-z]+", "_") + (peerSmtp != null ? "-peer" : "")
                + (dkim ? "" : "-no-dkim") + ".json");
        }
        AddressPattern senders = new AddressPattern(sender, 1);
        AddressPattern recipients = new AddressPattern(recipient, 1);
        recipients.domain(); // fixed: the DNS responder answers MX for that one domain
        return new OutboundOptions(distribution, samples, mix, messages, concurrency, perSession, rate, warmup, senders, recipients,
            user, password, domains, dkim, sinkPort, sinkStarttls, Duration.ofSeconds(timeoutSeconds), output, javaOpts,
            peerSmtp == null ? null : new Peer(peerSmtp, peerCpu, peerMemory, peerDescription));
    }
}
