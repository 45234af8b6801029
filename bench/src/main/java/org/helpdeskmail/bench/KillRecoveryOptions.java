package org.helpdeskmail.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

import static org.helpdeskmail.bench.BenchmarkOptions.positive;
import static org.helpdeskmail.bench.BenchmarkOptions.value;

/** The command line of {@link KillRecoveryBenchmark}; see {@link #USAGE}. */
public record KillRecoveryOptions(Path distribution, Path samples, String mix, int kills, double ratePerSecond, int sessions,
                                  int messagesPerSession, Duration minimumLoad, Duration maximumLoad, Duration drainTimeout,
                                  int maximumStartFailuresInARow, long seed, Path output, String serverJavaOpts) {

    public static final String USAGE = """
        usage: KillRecoveryBenchmark [options]
          --kills K              rounds of start, load, SIGKILL (default 100)
          --rate R               messages per second of the steady load (default 20)
          --sessions C           concurrent SMTP sessions carrying it (default 4)
          --per-session M        messages per session before reconnecting (default 10)
          --load-seconds MIN-MAX how long the load runs before each kill, drawn at random (default 2-6)
          --drain-timeout S      after the last kill and a last start, how long to wait for every
                                 acknowledged message to be POSTed (default 120)
          --max-start-failures F stop the rounds after F starts in a row that failed (default 3)
          --seed N               the random load durations (default: drawn, and printed to repeat a run)
          --mix SPEC             2k | 50k | 2k:9,50k:1 (default 2k), inbound-<name>.eml of --samples
          --samples DIR          default ../shared/bench/peer/samples
          --distribution DIR     the built distribution (default server/target/helpdesk-mail-0.1.0)
          --output FILE          JSON result (default bench/target/sigkill.json)
          --server-java-opts S   JAVA_OPTS of the server (default: the start script's own)
        """;

    public KillRecoveryOptions {
        if (ratePerSecond <= 0) {
            throw new IllegalArgumentException("--rate must be above 0: the load is steady, not as fast as it goes");
        }
        if (minimumLoad.isNegative() || minimumLoad.compareTo(maximumLoad) > 0) {
            throw new IllegalArgumentException("--load-seconds MIN-MAX needs 0 <= MIN <= MAX");
        }
    }

    public static KillRecoveryOptions parse(String... args) {
        Path distribution = Path.of("server/target/helpdesk-mail-0.1.0");
        Path samples = Path.of("../shared/bench/peer/samples");
        String mix = "2k";
        int kills = 100;
        double rate = 20;
        int sessions = 4;
        int perSession = 10;
        Duration minimumLoad = Duration.ofSeconds(2);
        Duration maximumLoad = Duration.ofSeconds(6);
        int drainSeconds = 120;
        int maximumStartFailures = 3;
        long seed = System.nanoTime();
        Path output = Path.of("bench/target/sigkill.json");
        String javaOpts = null;
        Deque<String> rest = new ArrayDeque<>(Arrays.asList(args));
        while (!rest.isEmpty()) {
            String option = rest.pop();
            switch (option) {
                case "--kills" -> kills = positive(option, rest);
                case "--rate" -> rate = Double.parseDouble(value(option, rest));
                case "--sessions" -> sessions = positive(option, rest);
                case "--per-session" -> perSession = positive(option, rest);
                case "--load-seconds" -> {
                    String[] range = value(option, rest).split("-", 2);
                    minimumLoad = seconds(range[0]);
                    maximumLoad = seconds(range.length > 1 ? range[1] : range[0]);
                }
                case "--drain-timeout" -> drainSeconds = positive(option, rest);
                case "--max-start-failures" -> maximumStartFailures = positive(option, rest);
                case "--seed" -> seed = Long.parseLong(value(option, rest));
                case "--mix" -> mix = value(option, rest);
                case "--samples" -> samples = Path.of(value(option, rest));
                case "--distribution" -> distribution = Path.of(value(option, rest));
                case "--output" -> output = Path.of(value(option, rest));
                case "--server-java-opts" -> javaOpts = value(option, rest);
                default -> throw new IllegalArgumentException("unknown option " + option + "\n" + USAGE);
            }
        }
        return new KillRecoveryOptions(distribution, samples, mix, kills, rate, sessions, perSession, minimumLoad, maximumLoad,
            Duration.ofSeconds(drainSeconds), maximumStartFailures, seed, output, javaOpts);
    }

    private static Duration seconds(String text) {
        return Duration.ofMillis(Math.round(Double.parseDouble(text.trim()) * 1000));
    }
}
