package org.helpdeskmail.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.helpdeskmail.testing.EmbeddedDerby;

/** Against a real embedded Derby database in a temporary directory. */
class JdbcTicketThreadsTest {
    private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");

    @TempDir
    Path directory;
    private EmbeddedDerby derby;
    private JdbcTicketThreads threads;

    @BeforeEach
    void openDatabase() throws Exception {
        derby = new EmbeddedDerby(directory);
        threads = new JdbcTicketThreads(derby.dataSource());
    }

    @AfterEach
    void closeDatabase() throws Exception {
        derby.close();
    }

    @Test
    void rememberedMessageIdGivesItsTicketWhateverTheBracketsAndWhiteSpace() throws Exception {
        threads.remember("<notification-1@notify.example>", "T-1234", T0);

        assertThat(threads.ticketFor(List.of("<notification-1@notify.example>"))).contains("T-1234");
        assertThat(threads.ticketFor(List.of("notification-1@notify.example"))).contains("T-1234");
        assertThat(threads.ticketFor(List.of(" <notification-1@\r\n notify.example> "))).contains("T-1234");
        assertThat(threads.ticketFor(List.of("<notification-2@notify.example>"))).isEmpty();
        assertThat(threads.ticketFor(List.of())).isEmpty();
    }

    @Test
    void messageIdsAreCaseSensitive() throws Exception {
        threads.remember("<AbC@notify.example>", "T-1", T0);

        assertThat(threads.ticketFor(List.of("<abc@notify.example>"))).isEmpty();
    }

    @Test
    void firstKnownCandidateInTheGivenOrderWins() throws Exception {
        threads.remember("<first@notify.example>", "T-1", T0);
        threads.remember("<second@notify.example>", "T-2", T0);

        assertThat(threads.ticketFor(List.of("<unknown@example.org>", "<second@notify.example>", "<first@notify.example>")))
            .contains("T-2");
        assertThat(threads.ticketFor(List.of("<first@notify.example>", "<second@notify.example>"))).contains("T-1");
    }

    @Test
    void replyChainIsInReplyToThenReferencesNewestFirst() {
        assertThat(TicketThreads.replyChain(Optional.of("<c@x>"), List.of("<a@x>", "<b@x>", " <c@x>")))
            .containsExactly("<c@x>", "<b@x>", "<a@x>");
        assertThat(TicketThreads.replyChain(Optional.empty(), List.of("a@x", "<b@x>"))).containsExactly("<b@x>", "<a@x>");
        assertThat(TicketThreads.replyChain(Optional.of("  "), List.of())).isEmpty();
    }

    @Test
    void replyWhoseReferencesNameTheNotificationFindsItsTicket() throws Exception {
        threads.remember("<notification@notify.example>", "T-77", T0);

        List<String> chain = TicketThreads.replyChain(Optional.of("<customer-earlier@example.org>"),
            List.of("<notification@notify.example>", "<customer-earlier@example.org>"));

        assertThat(threads.ticketFor(chain)).contains("T-77");
    }

    @Test
    void rememberingAgainMovesTheMessageToTheNewTicket() throws Exception {
        threads.remember("<n@notify.example>", "T-1", T0);
        threads.remember("n@notify.example", "T-2", T0.plusSeconds(1));

        assertThat(threads.ticketFor(List.of("<n@notify.example>"))).contains("T-2");
    }

    @Test
    void forgetsWhatIsOlderThanTheCutoff() throws Exception {
        threads.remember("<old@notify.example>", "T-old", T0);
        threads.remember("<recent@notify.example>", "T-recent", T0.plus(Duration.ofDays(100)));

        assertThat(threads.forgetBefore(T0.plus(Duration.ofDays(1)))).isEqualTo(1);

        assertThat(threads.ticketFor(List.of("<old@notify.example>"))).isEmpty();
        assertThat(threads.ticketFor(List.of("<recent@notify.example>"))).contains("T-recent");
    }

    @Test
    void onlyTheFirstCandidatesAreLookedUp() throws Exception {
        threads.remember("<far@notify.example>", "T-far", T0);
        List<String> candidates = new ArrayList<>();
        for (int i = 0; i < TicketThreads.MAX_CANDIDATES; i++) {
            candidates.add("<other-" + i + "@example.org>");
        }
        candidates.add("<far@notify.example>");

        assertThat(threads.ticketFor(candidates)).isEmpty();
        assertThat(threads.ticketFor(candidates.subList(1, candidates.size()))).contains("T-far");
    }

    @Test
    void valuesTheStoreCannotKeepAreRefusedAndNeverMatched() throws Exception {
        String tooLong = "<" + "x".repeat(TicketThreads.MAX_MESSAGE_ID_LENGTH) + "@example.org>";

        assertThatThrownBy(() -> threads.remember(tooLong, "T-1", T0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> threads.remember("<>", "T-1", T0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> threads.remember("<n@x>", " ", T0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> threads.remember("<n@x>", "T".repeat(TicketThreads.MAX_TICKET_LENGTH + 1), T0))
            .isInstanceOf(IllegalArgumentException.class);
        assertThat(threads.ticketFor(List.of(tooLong))).isEmpty();
    }

    @Test
    void survivesARestartOfTheDatabase() throws Exception {
        threads.remember("<n@notify.example>", "T-9", T0);
        derby.close();

        assertThat(new JdbcTicketThreads(derby.dataSource()).ticketFor(List.of("<n@notify.example>"))).contains("T-9");
    }
}
