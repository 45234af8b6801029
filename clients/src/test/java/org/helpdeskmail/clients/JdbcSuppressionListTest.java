package org.helpdeskmail.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.apache.james.core.MailAddress;
import org.helpdeskmail.clients.SuppressionList.Reason;
import org.helpdeskmail.clients.SuppressionList.SuppressedAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.helpdeskmail.testing.EmbeddedDerby;

/** Against a real embedded Derby database in a temporary directory. */
class JdbcSuppressionListTest {
    private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");

    @TempDir
    Path directory;
    private EmbeddedDerby derby;
    private JdbcSuppressionList list;

    @BeforeEach
    void openDatabase() throws Exception {
        derby = new EmbeddedDerby(directory);
        list = new JdbcSuppressionList(derby.dataSource());
    }

    @AfterEach
    void closeDatabase() throws Exception {
        derby.close();
    }

    @Test
    void suppressedAddressIsFoundWhateverTheCaseOfItsDomainAndLocalPart() throws Exception {
        assertThat(list.suppress(new MailAddress("John.Doe@Example.COM"), Reason.HARD_BOUNCE, "550 5.1.1 no such user", T0)).isTrue();

        assertThat(list.isSuppressed(new MailAddress("john.doe@example.com"))).isTrue();
        assertThat(list.isSuppressed("JOHN.DOE@EXAMPLE.com")).isTrue();
        assertThat(list.isSuppressed("john.doe@example.org")).isFalse();
        assertThat(list.isSuppressed("jane.doe@example.com")).isFalse();
        assertThat(list.find(new MailAddress("john.doe@EXAMPLE.com")))
            .contains(new SuppressedAddress("john.doe@example.com", Reason.HARD_BOUNCE, Optional.of("550 5.1.1 no such user"), T0));
    }

    @Test
    void suppressingAgainKeepsTheFirstReasonAndTime() throws Exception {
        MailAddress address = new MailAddress("customer@example.com");
        list.suppress(address, Reason.COMPLAINT, "abuse", T0);

        assertThat(list.suppress(new MailAddress("Customer@example.com"), Reason.HARD_BOUNCE, "550", T0.plusSeconds(60))).isFalse();

        assertThat(list.list()).containsExactly(new SuppressedAddress("customer@example.com", Reason.COMPLAINT, Optional.of("abuse"), T0));
    }

    @Test
    void blankDetailIsStoredAsNoneAndALongOneIsCut() throws Exception {
        list.suppress(new MailAddress("a@example.com"), Reason.MANUAL, " ", T0);
        list.suppress(new MailAddress("b@example.com"), Reason.HARD_BOUNCE, "x".repeat(5000), T0);

        assertThat(list.find(new MailAddress("a@example.com")).orElseThrow().detail()).isEmpty();
        assertThat(list.find(new MailAddress("b@example.com")).orElseThrow().detail()).hasValueSatisfying(
            detail -> assertThat(detail).hasSize(JdbcSuppressionList.DETAIL_LENGTH));
    }

    @Test
    void removedAddressIsNoLongerSuppressed() throws Exception {
        list.suppress(new MailAddress("customer@example.com"), Reason.MANUAL, "asked by phone", T0);

        assertThat(list.remove(new MailAddress("CUSTOMER@example.com"))).isTrue();
        assertThat(list.remove(new MailAddress("customer@example.com"))).isFalse();

        assertThat(list.isSuppressed("customer@example.com")).isFalse();
        assertThat(list.find(new MailAddress("customer@example.com"))).isEmpty();
    }

    @Test
    void listsInPagesOrderedByAddress() throws Exception {
        for (String address : List.of("c@example.com", "a@example.com", "d@example.com", "b@example.com")) {
            list.suppress(new MailAddress(address), Reason.MANUAL, "", T0);
        }

        assertThat(list.list()).extracting(SuppressedAddress::address)
            .containsExactly("a@example.com", "b@example.com", "c@example.com", "d@example.com");
        assertThat(list.list(2, 1)).extracting(SuppressedAddress::address).containsExactly("b@example.com", "c@example.com");
        assertThat(list.list(10, 3)).extracting(SuppressedAddress::address).containsExactly("d@example.com");
        assertThat(list.list(10, 4)).isEmpty();
        assertThatThrownBy(() -> list.list(0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> list.list(1, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void survivesARestartOfTheDatabase() throws Exception {
        list.suppress(new MailAddress("customer@example.com"), Reason.HARD_BOUNCE, "550 5.1.1", T0);
        derby.close();

        JdbcSuppressionList reopened = new JdbcSuppressionList(derby.dataSource());

        assertThat(reopened.isSuppressed("customer@example.com")).isTrue();
    }

    @Test
    void tableIsCreatedOnceAndTheAddressIsItsPrimaryKey() throws Exception {
        new JdbcSuppressionList(derby.dataSource());

        try (Connection connection = derby.dataSource().getConnection();
             ResultSet keys = connection.getMetaData().getPrimaryKeys(null, connection.getSchema(), JdbcSuppressionList.TABLE)) {
            assertThat(keys.next()).isTrue();
            assertThat(keys.getString("COLUMN_NAME")).isEqualTo("ADDRESS");
        }
    }

    @Test
    void addressTooLongForTheStoreIsRefusedAndNeverSuppressed() throws Exception {
        MailAddress tooLong = new MailAddress("a".repeat(100) + "@" + ("b".repeat(60) + ".").repeat(4) + "example");

        assertThatThrownBy(() -> list.suppress(tooLong, Reason.MANUAL, "", T0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(list.isSuppressed(tooLong)).isFalse();
    }

    @Test
    void invalidAddressIsAnIllegalArgument() {
        assertThatThrownBy(() -> list.isSuppressed("not an address")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("not an address");
        assertThatThrownBy(() -> SuppressionList.parse("@example.com")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void concurrentSuppressionsOfOneAddressAddItOnce() throws Exception {
        int threads = 8;
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                Instant at = T0.plusSeconds(i);
                Callable<Boolean> suppress = () -> {
                    start.await();
                    return list.suppress(new MailAddress("customer@example.com"), Reason.HARD_BOUNCE, "550", at);
                };
                results.add(executor.submit(suppress));
            }
            start.countDown();
            int added = 0;
            for (Future<Boolean> result : results) {
                added += result.get() ? 1 : 0;
            }
            assertThat(added).isEqualTo(1);
        } finally {
            executor.shutdownNow();
        }
        try (Connection connection = derby.dataSource().getConnection(); Statement statement = connection.createStatement();
             ResultSet count = statement.executeQuery("SELECT COUNT(*) FROM " + JdbcSuppressionList.TABLE)) {
            count.next();
            assertThat(count.getInt(1)).isEqualTo(1);
        }
    }

    @Test
    void failureSaysWhatTheStoreWasDoing() throws Exception {
        try (Connection connection = derby.dataSource().getConnection(); Statement statement = connection.createStatement()) {
            statement.executeUpdate("DROP TABLE " + JdbcSuppressionList.TABLE);
        }

        assertThatThrownBy(() -> list.isSuppressed("customer@example.com")).isInstanceOf(DataStoreException.class)
            .hasMessageContaining("Suppression list failed looking up customer@example.com");
    }
}
