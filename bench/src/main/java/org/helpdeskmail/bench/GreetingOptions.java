package org.helpdeskmail.bench;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

import static org.helpdeskmail.bench.BenchmarkOptions.positive;
import static org.helpdeskmail.bench.BenchmarkOptions.value;

/** The command line of {@link GreetingBurstBenchmark}; see {@link #USAGE}. */
public record GreetingOptions(Path distribution, int connections, int addresses, int bursts, Duration goal, Duration timeout,
                              Path output, String serverJavaOpts, String distributionCommit) {

    public static final String USAGE = """
        usage: GreetingBurstBenchmark [options]
          --distribution DIR     the built distribution (default server/target/helpdesk-mail-0.1.0)
          --connections N        connections opened at once per burst (default 300)
          --addresses A          client addresses 127.0.0.2 ... 127.0.0.(A+1), N/A connections each (default 30)
          --bursts B             bursts one after the other, each closed (QUIT) before the next (default 2)
          --goal-ms MS           every connection should have its 220 within this (default 1000)
          --timeout SECONDS      how long a burst waits for its greetings (default 90)
          --output FILE          JSON result (default bench/target/greeting.json)
          --server-java-opts S   JAVA_OPTS of the server (default: the start script's own)
          --commit HASH          the git commit the distribution was built from, for the record
        """;

    public GreetingOptions {
        if (connections % addresses != 0) {
            throw new IllegalArgumentException("--connections (" + connections + ") must be a multiple of --addresses (" + addresses + ")");
        }
        if (addresses > 254) {
            throw new IllegalArgumentException("--addresses must be at most 254 (127.0.0.2 ... 127.0.0.255)");
        }
    }

    public static GreetingOptions parse(String... args) {
        Path distribution = Path.of("server/target/helpdesk-mail-0.1.0");
        int connections = 300;
        int addresses = 30;
        int bursts = 2;
        int goalMillis = 1000;
        int timeoutSeconds = 90;
        Path output = Path.of("bench/target/greeting.json");
        String javaOpts = null;
        String commit = null;
        Deque<String> rest = new ArrayDeque<>(Arrays.asList(args));
        while (!rest.isEmpty()) {
            String option = rest.pop();
            switch (option) {
                case "--distribution" -> distribution = Path.of(value(option, rest));
                case "--connections" -> connections = positive(option, rest);
                case "--addresses" -> addresses = positive(option, rest);
                case "--bursts" -> bursts = positive(option, rest);
                case "--goal-ms" -> goalMillis = positive(option, rest);
                case "--timeout" -> timeoutSeconds = positive(option, rest);
                case "--output" -> output = Path.of(value(option, rest));
                case "--server-java-opts" -> javaOpts = value(option, rest);
                case "--commit" -> commit = value(option, rest);
                default -> throw new IllegalArgumentException("unknown option " + option + "\n" + USAGE);
            }
        }
        return new GreetingOptions(distribution, connections, addresses, bursts, Duration.ofMillis(goalMillis), Duration.ofSeconds(timeoutSeconds),
            output, javaOpts, commit);
    }

    public int perAddress() {
        return connections / addresses;
    }

    /** The client address of each connection: 127.0.0.2, .3, ... in turn, so each address has perAddress(). */
    public List<InetAddress> clientOfEachConnection() {
        List<InetAddress> clients = new ArrayList<>(connections);
        for (int i = 0; i < connections; i++) {
            clients.add(clientAddress(i % addresses));
        }
        return clients;
    }

    /** 127.0.0.(2 + index): never 127.0.0.1, which is the machine's own (in /etc/hosts, resolved at once). */
    public static InetAddress clientAddress(int index) {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (2 + index)}); // a literal: no lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
