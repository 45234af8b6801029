package org.helpdeskmail.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class GreetingBurstBenchmarkTest {
    private static final ConnectionBurst.QuitOutcome QUIT = new ConnectionBurst.QuitOutcome(3, 3, 3, Map.of());

    private static ConnectionBurst.Outcome greetedAfter(long millis) {
        return new ConnectionBurst.Outcome("127.0.0.2", 1_000_000, millis * 1_000_000, "220 ESMTP", null);
    }

    @Test
    void theGoalIsMetOnlyWhenEveryConnectionGotItsGreetingInTime() {
        List<ConnectionBurst.Outcome> outcomes = List.of(greetedAfter(20), greetedAfter(900), greetedAfter(1000));

        GreetingResult.Burst burst = GreetingBurstBenchmark.summarize(1, outcomes, Duration.ofSeconds(1), 1.0, 0.1, 0, QUIT);

        assertThat(burst.greeted()).isEqualTo(3);
        assertThat(burst.withinGoal()).isEqualTo(3);
        assertThat(burst.goalMet()).isTrue();
        assertThat(burst.connectToGreeting().p50Ms()).isEqualTo(900.0);
        assertThat(burst.connectToGreeting().maxMs()).isEqualTo(1000.0);
        assertThat(burst.greetedBySecond()).isEqualTo(Map.of(0L, 2, 1L, 1));
    }

    @Test
    void aSlowGreetingOrAnotherReplyMissesTheGoalAndTheOthersAreCountedByKind() {
        List<ConnectionBurst.Outcome> outcomes = List.of(greetedAfter(10), greetedAfter(10_200),
            new ConnectionBurst.Outcome("127.0.0.3", 1_000_000, 5_000_000, "421 4.7.0 too many connections", null),
            new ConnectionBurst.Outcome("127.0.0.4", -1, -1, null, "connect failed: Connection refused"),
            new ConnectionBurst.Outcome("127.0.0.5", -1, -1, null, "connect failed: Connection refused"));

        GreetingResult.Burst burst = GreetingBurstBenchmark.summarize(2, outcomes, Duration.ofSeconds(1), 11.0, 0.1, 0, QUIT);

        assertThat(burst.connections()).isEqualTo(5);
        assertThat(burst.greeted()).isEqualTo(2);
        assertThat(burst.withinGoal()).isEqualTo(1);
        assertThat(burst.goalMet()).isFalse();
        assertThat(burst.others()).isEqualTo(Map.of("421 4.7.0 too many connections", 1, "connect failed: Connection refused", 2));
        assertThat(burst.connectToGreeting().count()).isEqualTo(2); // latency of 220s only
        assertThat(burst.connectToEstablished().count()).isEqualTo(3); // every connection that got through
        assertThat(burst.greetedBySecond()).isEqualTo(Map.of(0L, 1, 10L, 1));
        assertThat(burst.establishedBySecond()).isEqualTo(Map.of(0L, 3));
    }

    @Test
    void defaultsAre300ConnectionsFrom30AddressesTenEach() {
        GreetingOptions options = GreetingOptions.parse();

        assertThat(options.connections()).isEqualTo(300);
        assertThat(options.perAddress()).isEqualTo(10);
        assertThat(options.bursts()).isEqualTo(2);
        assertThat(options.goal()).isEqualTo(Duration.ofSeconds(1));
        List<String> clients = options.clientOfEachConnection().stream().map(address -> address.getHostAddress()).toList();
        assertThat(clients).hasSize(300).startsWith("127.0.0.2", "127.0.0.3").contains("127.0.0.31").doesNotContain("127.0.0.1", "127.0.0.32");
        assertThat(clients.stream().filter("127.0.0.17"::equals)).hasSize(10);
    }

    @Test
    void connectionsMustSpreadEvenlyOverTheAddresses() {
        assertThatThrownBy(() -> GreetingOptions.parse("--connections", "301")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GreetingOptions.parse("--addresses", "300", "--connections", "600")).isInstanceOf(IllegalArgumentException.class);
    }
}
