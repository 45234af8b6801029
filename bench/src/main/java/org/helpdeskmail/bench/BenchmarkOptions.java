package org.helpdeskmail.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/** The command line of {@link InboundBenchmark}; see {@link #USAGE}. */
public record BenchmarkOptions(Path distribution, Path samples, String mix, int messages, int concurrency,
                               int messagesPerSession, double ratePerSecond, int warmupMessages, AddressPattern recipients,
                               AddressPattern senders, boolean keepRateLimits, String domains, boolean deadDns, Duration timeout, boolean smtpOnly,
                               Path output, String serverJavaOpts, boolean clamd, boolean rspamd) {

    public static final String USAGE = """
        usage: InboundBenchmark [options]
          --distribution DIR     the built distribution (default server/target/helpdesk-mail-0.1.0)
          --samples DIR          folder of inbound-<name>.eml (default ../shared/bench/peer/samples)
          --mix SPEC             2k | 50k | 2k:9,50k:1 ... (default 2k)
          --messages N           measured messages (default 2000)
          --scanners             also run a real clamd and rspamd (offline, loopback) and scan every message
          --clamd | --rspamd     only one of them
          --concurrency C        concurrent SMTP sessions (default 10)
          --per-session M        messages per SMTP session before reconnecting (default 1, as smtp-source)
          --rate R               start at most R messages per second (default 0: as fast as the sessions go)
          --warmup W             messages sent first and not counted (default 300)
          --recipient PATTERN    {n} = message number, {k} = tenant (default user{n}@tenant{k}.helpdesk.localhost)
          --tenants K            tenants {k} cycles through (default 10)
          --domains LIST         HELPDESK_DOMAINS of the server (default helpdesk.localhost)
          --sender PATTERN       envelope sender, {n} as above (default customer{n}@customer-corp.example);
                                 the server limits messages per sender and minute
          --keep-rate-limits     keep the MX's per-client and per-sender rate limits (Throttling in
                                 smtpserver.xml); by default the benchmark's copy of conf/ lifts them, since
                                 all the load comes from one client, 127.0.0.1
          --dead-dns             point the server's DNS at a loopback port where nothing answers, instead of
                                 the benchmark's responder for the sender's test domain
          --timeout SECONDS      how long to wait for the webhook POSTs or the queue to drain (default 600)
          --smtp-only            measure acceptance only (until the last 250), not the webhook
          --output FILE          JSON result (default bench/target/inbound-<mix>[-smtp-only].json)
          --server-java-opts S   JAVA_OPTS of the server (default: the start script's own)
        """;

    public static BenchmarkOptions parse(String... args) {
        Path distribution = Path.of("server/target/helpdesk-mail-0.1.0");
        Path samples = Path.of("../shared/bench/peer/samples");
        String mix = "2k";
        int messages = 2000;
        int concurrency = 10;
        int perSession = 1;
        double rate = 0;
        int warmup = 300;
        String recipient = AddressPattern.DEFAULT_RECIPIENTS;
        int tenants = 10;
        String domains = "helpdesk.localhost";
        String sender = AddressPattern.DEFAULT_SENDERS;
        boolean keepRateLimits = false;
        boolean deadDns = false;
        boolean clamd = false;
        boolean rspamd = false;
        int timeoutSeconds = 600;
        boolean smtpOnly = false;
        Path output = null;
        String javaOpts = null;

        Deque<String> rest = new ArrayDeque<>(Arrays.asList(args));
        while (!rest.isEmpty()) {
            String option = rest.pop();
            switch (option) {
                case "--distribution" -> distribution = Path.of(value(option, rest));
                case "--samples" -> samples = Path.of(value(option, rest));
                case "--mix" -> mix = value(option, rest);
                case "--messages" -> messages = positive(option, rest);
                case "--concurrency" -> concurrency = positive(option, rest);
                case "--per-session" -> perSession = positive(option, rest);
                case "--rate" -> rate = Double.parseDouble(value(option, rest));
                case "--warmup" -> warmup = Integer.parseInt(value(option, rest));
                case "--recipient" -> recipient = value(option, rest);
                case "--tenants" -> tenants = positive(option, rest);
                case "--domains" -> domains = value(option, rest);
                case "--sender" -> sender = value(option, rest);
                case "--keep-rate-limits" -> keepRateLimits = true;
                case "--dead-dns" -> deadDns = true;
                case "--scanners" -> {
                    clamd = true;
                    rspamd = true;
                }
                case "--clamd" -> clamd = true;
                case "--rspamd" -> rspamd = true;
                case "--timeout" -> timeoutSeconds = positive(option, rest);
                case "--smtp-only" -> smtpOnly = true;
                case "--output" -> output = Path.of(value(option, rest));
                case "--server-java-opts" -> javaOpts = value(option, rest);
                default -> throw new IllegalArgumentException("unknown option " + option + "\n" + USAGE);
            }
        }
        if (output == null) {
            output = Path.of("bench/target", "inbound-" + mix.replaceAll("[^0-9A-Za-z]+", "_") + (smtpOnly ? "-smtp-only" : "") + (clamd ? "-clamd" : "") + (rspamd ? "-rspamd" : "") + ".json");
        }
        if (rate < 0) {
            throw new IllegalArgumentException("--rate must not be negative");
        }
        return new BenchmarkOptions(distribution, samples, mix, messages, concurrency, perSession, rate, warmup,
            new AddressPattern(recipient, tenants), new AddressPattern(sender, 1), keepRateLimits, domains, deadDns, Duration.ofSeconds(timeoutSeconds), smtpOnly, output, javaOpts, clamd, rspamd);
    }

    static String value(String option, Deque<String> rest) {
        if (rest.isEmpty()) {
            throw new IllegalArgumentException(option + " needs a value\n" + USAGE);
        }
        return rest.pop();
    }

    static int positive(String option, Deque<String> rest) {
        int value = Integer.parseInt(value(option, rest));
        if (value < 1) {
            throw new IllegalArgumentException(option + " must be at least 1");
        }
        return value;
    }
}
