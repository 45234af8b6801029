package org.helpdeskmail.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.helpdeskmail.clients.GreylistStore.Entry;
import org.helpdeskmail.clients.GreylistStore.StoreException;
import org.helpdeskmail.clients.GreylistStore.Triplet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.common.net.InetAddresses;

/**
 * Against a real embedded Derby, in memory, one database per test. Derby's EmbeddedDataSource is
 * created reflectively so that this module still compiles while Derby is not (yet) among its test
 * dependencies: without it these tests fail with a message saying what to add.
 */
class JdbcGreylistStoreTest {
    private static final String DERBY_DATA_SOURCE = "org.apache.derby.jdbc.EmbeddedDataSource";
    private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");
    private static final Duration WINDOW = Duration.ofHours(4);
    private static final Duration AUTO_ALLOW = Duration.ofDays(36);
    private static final Triplet TRIPLET = new Triplet("198.51.100.0/24", "sender@example.org", "support@acme.helpdesk.example");

    private DataSource dataSource;
    private String databaseName;

    @BeforeAll
    static void derbyLogInTarget() {
        // Derby writes derby.log into the working directory (the module) unless told otherwise.
        if (System.getProperty("derby.stream.error.file") == null) {
            System.setProperty("derby.stream.error.file", "target/derby.log");
        }
    }

    @BeforeEach
    void database() {
        databaseName = "memory:greylist-" + UUID.randomUUID();
        dataSource = embeddedDataSource(databaseName, "setCreateDatabase", "create");
    }

    @AfterEach
    void dropDatabase() {
        DataSource drop = embeddedDataSource(databaseName, "setConnectionAttributes", "drop=true");
        try {
            drop.getConnection().close();
        } catch (SQLException expected) {
            // Derby confirms a dropped database with an exception (08006), and a test may never have created it.
        }
    }

    /** Derby's EmbeddedDataSource on {@code databaseName}, with optional further setter names and values. */
    private static DataSource embeddedDataSource(String databaseName, String... settersAndValues) {
        try {
            Class<?> type = Class.forName(DERBY_DATA_SOURCE);
            Object source = type.getConstructor().newInstance();
            type.getMethod("setDatabaseName", String.class).invoke(source, databaseName);
            for (int i = 0; i < settersAndValues.length; i += 2) {
                type.getMethod(settersAndValues[i], String.class).invoke(source, settersAndValues[i + 1]);
            }
            return (DataSource) source;
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("Derby is not on the test classpath: add org.apache.derby:derby (scope test) to clients/pom.xml", e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Cannot set up Derby's " + DERBY_DATA_SOURCE, e);
        }
    }

    private int rows() throws SQLException {
        try (Connection connection = dataSource.getConnection();
             Statement statement = connection.createStatement();
             ResultSet count = statement.executeQuery("SELECT COUNT(*) FROM HELPDESK_GREYLIST")) {
            count.next();
            return count.getInt(1);
        }
    }

    @Test
    void createsItsTableWhenMissingAndKeepsAnExistingOne() throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            assertThat(JdbcTables.exists(connection, JdbcGreylistStore.TABLE)).isFalse();
        }
        JdbcGreylistStore first = new JdbcGreylistStore(dataSource);
        try (Connection connection = dataSource.getConnection()) {
            assertThat(JdbcTables.exists(connection, JdbcGreylistStore.TABLE)).isTrue();
        }
        first.recordFirstAttempt(TRIPLET, T0);

        JdbcGreylistStore second = new JdbcGreylistStore(dataSource);

        assertThat(second.find(TRIPLET)).as("created by the first, kept by the second").contains(new Entry(T0, T0, false));
    }

    @Test
    void aTableWhoseNameOnlyMatchesThePatternDoesNotCount() throws Exception {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            // '_' is a wildcard in a metadata pattern: HELPDESKXGREYLIST matches HELPDESK_GREYLIST.
            statement.executeUpdate("CREATE TABLE HELPDESKXGREYLIST (A INT)");
        }

        new JdbcGreylistStore(dataSource).recordFirstAttempt(TRIPLET, T0);

        assertThat(rows()).isEqualTo(1);
    }

    @Test
    void startsEmpty() throws Exception {
        assertThat(new JdbcGreylistStore(dataSource).find(TRIPLET)).isEmpty();
    }

    @Test
    void recordsAFirstAttemptOnceWithoutResettingIt() throws Exception {
        JdbcGreylistStore store = new JdbcGreylistStore(dataSource);

        Entry recorded = store.recordFirstAttempt(TRIPLET, T0);
        Entry again = store.recordFirstAttempt(TRIPLET, T0.plusSeconds(60));

        assertThat(recorded).isEqualTo(new Entry(T0, T0, false));
        assertThat(again).as("the first attempt stands").isEqualTo(recorded);
        assertThat(store.find(TRIPLET)).contains(recorded);
        assertThat(rows()).isEqualTo(1);
    }

    @Test
    void keepsMillisecondsOnly() throws Exception {
        JdbcGreylistStore store = new JdbcGreylistStore(dataSource);
        Instant withNanos = T0.plusNanos(1_234_567);

        Entry recorded = store.recordFirstAttempt(TRIPLET, withNanos);

        assertThat(recorded.firstSeen()).isEqualTo(T0.plusMillis(1));
        assertThat(store.find(TRIPLET)).contains(recorded);
    }

    @Test
    void recordingTheSameTripletConcurrentlyKeepsOneFirstAttempt() throws Exception {
        // Two stores on one database, as two nodes on one PostgreSQL would be.
        List<JdbcGreylistStore> nodes = List.of(new JdbcGreylistStore(dataSource), new JdbcGreylistStore(dataSource));
        int attempts = 16;
        ExecutorService threads = Executors.newFixedThreadPool(attempts);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Entry>> results = new ArrayList<>();
            for (int i = 0; i < attempts; i++) {
                JdbcGreylistStore node = nodes.get(i % 2);
                Instant now = T0.plusSeconds(i);
                Callable<Entry> record = () -> {
                    start.await();
                    return node.recordFirstAttempt(TRIPLET, now);
                };
                results.add(threads.submit(record));
            }
            start.countDown();
            List<Entry> seen = new ArrayList<>();
            for (Future<Entry> result : results) {
                seen.add(result.get(30, TimeUnit.SECONDS));
            }

            Entry stored = nodes.get(1).find(TRIPLET).orElseThrow();
            assertThat(seen).as("every caller got the winner's entry").containsOnly(stored);
            assertThat(stored.allowed()).isFalse();
            assertThat(rows()).isEqualTo(1);
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void marksAllowedAndUpdatesLastSeenOnly() throws Exception {
        JdbcGreylistStore store = new JdbcGreylistStore(dataSource);
        store.recordFirstAttempt(TRIPLET, T0);

        assertThat(store.markAllowed(TRIPLET, T0.plus(Duration.ofMinutes(6)))).isTrue();
        assertThat(store.find(TRIPLET)).contains(new Entry(T0, T0.plus(Duration.ofMinutes(6)), true));

        assertThat(store.markAllowed(TRIPLET, T0.plus(Duration.ofDays(3)))).as("a later use").isTrue();
        assertThat(store.find(TRIPLET)).contains(new Entry(T0, T0.plus(Duration.ofDays(3)), true));
    }

    @Test
    void markingAnUnknownTripletAllowedCreatesNothing() throws Exception {
        JdbcGreylistStore store = new JdbcGreylistStore(dataSource);

        assertThat(store.markAllowed(TRIPLET, T0)).isFalse();

        assertThat(store.find(TRIPLET)).isEmpty();
    }

    @Test
    void restartsAnEntryOrCreatesIt() throws Exception {
        JdbcGreylistStore store = new JdbcGreylistStore(dataSource);
        store.recordFirstAttempt(TRIPLET, T0);
        store.markAllowed(TRIPLET, T0.plus(Duration.ofMinutes(10)));
        Instant later = T0.plus(Duration.ofDays(40));

        store.restart(TRIPLET, later);

        assertThat(store.find(TRIPLET)).contains(new Entry(later, later, false));

        Triplet unknown = new Triplet("203.0.113.0/24", "a@example.org", "b@example.org");
        store.restart(unknown, later);
        assertThat(store.find(unknown)).contains(new Entry(later, later, false));
    }

    @Test
    void deletesEntriesNeverAllowedWithinTheWindowAndAllowedOnesUnusedForTheAutoAllowLifetime() throws Exception {
        JdbcGreylistStore store = new JdbcGreylistStore(dataSource);
        Instant now = T0.plus(Duration.ofDays(100));
        Triplet staleAttempt = triplet("stale-attempt");
        Triplet recentAttempt = triplet("recent-attempt");
        Triplet unusedAllowed = triplet("unused-allowed");
        Triplet usedAllowed = triplet("used-allowed");
        store.recordFirstAttempt(staleAttempt, now.minus(WINDOW).minusMillis(1));
        store.recordFirstAttempt(recentAttempt, now.minus(WINDOW));
        store.recordFirstAttempt(unusedAllowed, T0);
        store.markAllowed(unusedAllowed, now.minus(AUTO_ALLOW).minusMillis(1));
        store.recordFirstAttempt(usedAllowed, T0);
        store.markAllowed(usedAllowed, now.minus(AUTO_ALLOW));

        int deleted = store.deleteExpired(now, WINDOW, AUTO_ALLOW);

        assertThat(deleted).isEqualTo(2);
        assertThat(store.find(staleAttempt)).isEmpty();
        assertThat(store.find(recentAttempt)).as("exactly at the end of the window").isPresent();
        assertThat(store.find(unusedAllowed)).isEmpty();
        assertThat(store.find(usedAllowed)).as("first seen long ago, but used within the lifetime").isPresent();
    }

    @Test
    void tripletsAreKeyedByClientNetworkAndLowerCasedAddresses() throws Exception {
        JdbcGreylistStore store = new JdbcGreylistStore(dataSource);
        store.recordFirstAttempt(Triplet.of(address("198.51.100.7"), Optional.of("Sender@Example.ORG"), "Support@ACME.helpdesk.example"), T0);

        assertThat(store.find(Triplet.of(address("198.51.100.200"), Optional.of("sender@example.org"), "support@acme.helpdesk.example")))
            .as("same /24, other case").isPresent();
        assertThat(store.find(Triplet.of(address("198.51.101.7"), Optional.of("sender@example.org"), "support@acme.helpdesk.example")))
            .as("another /24").isEmpty();
        assertThat(store.find(Triplet.of(address("198.51.100.7"), Optional.empty(), "support@acme.helpdesk.example")))
            .as("the null sender").isEmpty();
    }

    @Test
    void computesTheClientNetwork() {
        assertThat(Triplet.clientNetwork(address("198.51.100.7"))).isEqualTo("198.51.100.0/24");
        assertThat(Triplet.clientNetwork(address("::ffff:198.51.100.7"))).as("IPv4-mapped").isEqualTo("198.51.100.0/24");
        assertThat(Triplet.clientNetwork(address("2001:db8:1:2:aaaa:bbbb:cccc:dddd"))).isEqualTo("2001:db8:1:2::/64");
        assertThat(Triplet.clientNetwork(address("2001:DB8::1"))).isEqualTo("2001:db8::/64");
        assertThat(Triplet.of(address("192.0.2.1"), Optional.empty(), "X@Y.example").sender()).isEqualTo("<>");
    }

    @Test
    void cutsValuesLongerThanTheirColumnsInsteadOfFailing() throws Exception {
        JdbcGreylistStore store = new JdbcGreylistStore(dataSource);
        String longLocalPart = "\u20ac".repeat(JdbcGreylistStore.ADDRESS_LENGTH);
        Triplet longTriplet = new Triplet("198.51.100.0/24", longLocalPart + "@example.org", longLocalPart + "@acme.helpdesk.example");

        store.recordFirstAttempt(longTriplet, T0);

        assertThat(store.find(longTriplet)).contains(new Entry(T0, T0, false));
        assertThat(JdbcGreylistStore.bounded("ab\uD83D\uDE00", 3)).as("no half surrogate pair").isEqualTo("ab");
        assertThat(JdbcGreylistStore.bounded("abc", 3)).isEqualTo("abc");
    }

    @Test
    void reportsDatabaseFailuresAsStoreExceptions() throws Exception {
        JdbcGreylistStore store = new JdbcGreylistStore(dataSource);
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.executeUpdate("DROP TABLE HELPDESK_GREYLIST");
        }

        assertThatThrownBy(() -> store.find(TRIPLET)).isInstanceOf(StoreException.class)
            .hasMessageContaining("looking up").hasMessageContaining("SQLState 42X05").hasCauseInstanceOf(SQLException.class);
        assertThatThrownBy(() -> store.recordFirstAttempt(TRIPLET, T0)).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> store.restart(TRIPLET, T0)).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> store.markAllowed(TRIPLET, T0)).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> store.deleteExpired(T0, WINDOW, AUTO_ALLOW)).isInstanceOf(StoreException.class);
    }

    @Test
    void refusesToStartWithoutADatabase() {
        DataSource missing = embeddedDataSource("memory:greylist-missing-" + UUID.randomUUID());

        assertThatThrownBy(() -> new JdbcGreylistStore(missing)).isInstanceOf(SQLException.class);
    }

    @Test
    void recognisesTheDuplicateKeyStateAlsoInAChainedException() {
        SQLException wrapper = new SQLException("batch failed", "XJ208");
        wrapper.setNextException(new SQLException("duplicate", "23505"));

        assertThat(JdbcGreylistStore.isDuplicateKey(wrapper)).isTrue();
        assertThat(JdbcGreylistStore.isDuplicateKey(new SQLException("not null", "23502"))).isFalse();
    }

    private static Triplet triplet(String sender) {
        return new Triplet("198.51.100.0/24", sender + "@example.org", "support@acme.helpdesk.example");
    }

    private static InetAddress address(String literal) {
        return InetAddresses.forString(literal);
    }
}
