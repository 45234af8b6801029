package org.helpdeskmail.clients.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

import org.apache.james.core.MailAddress;
import org.helpdeskmail.clients.outbound.ReturnPaths.Traced;
import org.helpdeskmail.testing.EmbeddedDerby;
import org.helpdeskmail.testing.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Against a real embedded Derby database in a temporary directory. */
class ReturnPathsTest {
    private static final String SECRET = "a secret of the tests, long enough";
    private static final BounceAddresses ADDRESSES = new BounceAddresses("bounce.example.org", BounceAddresses.DEFAULT_PREFIX);
    private static final String TOKEN_SHAPE = "[a-z2-7]{" + (ReturnPaths.ID_LENGTH + ReturnPaths.SIGNATURE_LENGTH) + "}";

    @TempDir
    Path directory;
    private final ManualClock clock = new ManualClock();
    private EmbeddedDerby derby;
    private ReturnPaths returnPaths;

    @BeforeEach
    void openDatabase() throws SQLException {
        derby = new EmbeddedDerby(directory);
        returnPaths = new ReturnPaths(derby.dataSource(), ADDRESSES, SECRET, clock);
    }

    @AfterEach
    void shutDownDatabase() throws SQLException {
        derby.close();
    }

    @Test
    void aReturnPathTracesBackToItsMessageAndRecipient() throws Exception {
        MailAddress recipient = new MailAddress("Jane.Doe@Customer.example");

        String returnPath = returnPaths.issue("mail-1", Optional.of("<n1@helpdesk.example>"), recipient);

        assertThat(returnPath).matches("bounces\\+" + TOKEN_SHAPE + "@bounce\\.example\\.org");
        assertThat(returnPaths.trace(new MailAddress(returnPath)))
            .contains(new Traced(Optional.of("<n1@helpdesk.example>"), recipient));
    }

    @Test
    void aMessageWithoutMessageIdIsTracedToItsRecipient() throws Exception {
        MailAddress recipient = new MailAddress("jane@customer.example");

        String returnPath = returnPaths.issue("mail-1", Optional.empty(), recipient);

        assertThat(returnPaths.trace(new MailAddress(returnPath))).contains(new Traced(Optional.empty(), recipient));
    }

    @Test
    void theSameMessageAndRecipientGetTheSameReturnPathOnEveryAttempt() throws Exception {
        MailAddress jane = new MailAddress("jane@customer.example");
        MailAddress john = new MailAddress("john@customer.example");

        String first = returnPaths.issue("mail-1", Optional.of("<n1@helpdesk.example>"), jane);
        String again = returnPaths.issue("mail-1", Optional.of("<n1@helpdesk.example>"), jane);
        String otherCase = returnPaths.issue("mail-1", Optional.of("<n1@helpdesk.example>"), new MailAddress("JANE@Customer.Example"));
        String otherRecipient = returnPaths.issue("mail-1", Optional.of("<n1@helpdesk.example>"), john);
        String otherMessage = returnPaths.issue("mail-2", Optional.of("<n2@helpdesk.example>"), jane);

        assertThat(again).isEqualTo(first);
        assertThat(otherCase).isEqualTo(first);
        assertThat(otherRecipient).isNotEqualTo(first);
        assertThat(otherMessage).isNotEqualTo(first).isNotEqualTo(otherRecipient);
        assertThat(returnPaths.trace(new MailAddress(otherRecipient))).map(Traced::recipient).contains(john);
        assertThat(returnPaths.trace(new MailAddress(otherMessage))).map(Traced::messageId).contains(Optional.of("<n2@helpdesk.example>"));
    }

    @Test
    void aTokenWithAnyOneCharacterChangedIsNotTraced() throws Exception {
        String returnPath = returnPaths.issue("mail-1", Optional.empty(), new MailAddress("jane@customer.example"));
        String token = ADDRESSES.token(new MailAddress(returnPath)).orElseThrow();

        for (int position = 0; position < token.length(); position++) {
            char changed = token.charAt(position) == 'a' ? 'b' : 'a';
            String forged = token.substring(0, position) + changed + token.substring(position + 1);

            assertThat(returnPaths.trace(new MailAddress(ADDRESSES.address(forged)))).as("changed at %d: %s", position, forged).isEmpty();
        }
    }

    @Test
    void aReturnPathIsTracedWhateverCaseTheBounceUses() throws Exception {
        MailAddress recipient = new MailAddress("jane@customer.example");
        String returnPath = returnPaths.issue("mail-1", Optional.empty(), recipient);

        assertThat(returnPaths.trace(new MailAddress(returnPath.toUpperCase(Locale.ROOT)))).map(Traced::recipient).contains(recipient);
    }

    @ParameterizedTest
    @ValueSource(strings = {"wrong prefix", "wrong domain", "sub-domain", "truncated", "lengthened", "no token", "no plus"})
    void anAddressThatIsNotAnIntactReturnPathIsNotTraced(String damage) throws Exception {
        String returnPath = returnPaths.issue("mail-1", Optional.empty(), new MailAddress("jane@customer.example"));
        String token = ADDRESSES.token(new MailAddress(returnPath)).orElseThrow();
        String damaged = switch (damage) {
            case "wrong prefix" -> "bounce+" + token + "@bounce.example.org";
            case "wrong domain" -> "bounces+" + token + "@bounce.example.com";
            case "sub-domain" -> "bounces+" + token + "@mx.bounce.example.org";
            case "truncated" -> ADDRESSES.address(token.substring(0, token.length() - 1));
            case "lengthened" -> ADDRESSES.address(token + "a");
            case "no token" -> "bounces+@bounce.example.org";
            case "no plus" -> "bounces" + token + "@bounce.example.org";
            default -> throw new IllegalArgumentException(damage);
        };

        assertThat(returnPaths.trace(new MailAddress(damaged))).isEmpty();
    }

    @Test
    void anotherSecretTracesNothing() throws Exception {
        String returnPath = returnPaths.issue("mail-1", Optional.empty(), new MailAddress("jane@customer.example"));

        ReturnPaths otherSecret = new ReturnPaths(derby.dataSource(), ADDRESSES, "another secret, just as long", clock);

        assertThat(otherSecret.trace(new MailAddress(returnPath))).isEmpty();
    }

    @Test
    void returnPathsOutliveARestart() throws Exception {
        MailAddress recipient = new MailAddress("jane@customer.example");
        String returnPath = returnPaths.issue("mail-1", Optional.empty(), recipient);
        shutDownDatabase();
        openDatabase();

        assertThat(returnPaths.trace(new MailAddress(returnPath))).map(Traced::recipient).contains(recipient);
    }

    @Test
    void purgeForgetsReturnPathsOlderThanTheAgeOnly() throws Exception {
        MailAddress recipient = new MailAddress("jane@customer.example");
        String old = returnPaths.issue("mail-1", Optional.empty(), recipient);
        clock.advance(Duration.ofDays(10));
        String recent = returnPaths.issue("mail-2", Optional.empty(), recipient);
        clock.advance(Duration.ofDays(1));

        int purged = returnPaths.purgeOlderThan(Duration.ofDays(7));

        assertThat(purged).isEqualTo(1);
        assertThat(returnPaths.trace(new MailAddress(old))).isEmpty();
        assertThat(returnPaths.trace(new MailAddress(recent))).map(Traced::recipient).contains(recipient);
        assertThat(returnPaths.purgeOlderThan(Duration.ofDays(7))).isZero();
    }

    @Test
    void anOverlongMessageIdIsKeptCut() throws Exception {
        String messageId = "<" + "x".repeat(1200) + "@helpdesk.example>";

        String returnPath = returnPaths.issue("mail-1", Optional.of(messageId), new MailAddress("jane@customer.example"));

        assertThat(returnPaths.trace(new MailAddress(returnPath))).map(Traced::messageId).contains(Optional.of(messageId.substring(0, 998)));
    }
}
