package org.helpdeskmail.clients;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import javax.inject.Inject;
import javax.sql.DataSource;

/**
 * The {@link GreylistStore} in table {@value #TABLE} of a JDBC database, in plain SQL that Apache
 * Derby (10.14, embedded: the single-node default) and PostgreSQL (a store shared by several
 * nodes) both run. The table is created at construction when it is missing:
 *
 * <pre>{@code
 * CREATE TABLE HELPDESK_GREYLIST (
 *     CLIENT_NETWORK VARCHAR(64) NOT NULL,   -- 198.51.100.0/24, 2001:db8:1:2::/64
 *     SENDER VARCHAR(320) NOT NULL,          -- lower case; <> for the null sender
 *     RECIPIENT VARCHAR(320) NOT NULL,       -- lower case
 *     FIRST_SEEN BIGINT NOT NULL,            -- epoch milliseconds
 *     LAST_SEEN BIGINT NOT NULL,             -- epoch milliseconds
 *     ALLOWED SMALLINT NOT NULL,             -- 0 greylisted, 1 allowed
 *     CONSTRAINT HELPDESK_GREYLIST_PK PRIMARY KEY (CLIENT_NETWORK, SENDER, RECIPIENT))
 * }</pre>
 *
 * <p>Several nodes may use the same table at once, so nothing relies on "check, then insert":
 * recording a first attempt inserts and, when the primary key says another node was first
 * (SQLState {@value #DUPLICATE_KEY} on both databases), reads what that node stored. Each statement
 * is its own transaction (the connection is put in auto-commit mode): PostgreSQL aborts a whole
 * transaction at its first error, which would make the read after a duplicate key fail. Values
 * longer than their column (addresses above the 256 octets RFC 5321 allows a path) are cut, so that
 * such a mail is greylisted like any other instead of failing the store.
 *
 * <p>One connection is taken from the data source per operation; a pooling data source makes that cheap.
 */
public final class JdbcGreylistStore implements GreylistStore {
    public static final String TABLE = "HELPDESK_GREYLIST";
    static final String DUPLICATE_KEY = "23505";
    static final int NETWORK_LENGTH = 64;
    static final int ADDRESS_LENGTH = 320;
    private static final int NOT_ALLOWED = 0;

    private static final String CREATE_TABLE = "CREATE TABLE " + TABLE + " ("
        + "CLIENT_NETWORK VARCHAR(" + NETWORK_LENGTH + ") NOT NULL, "
        + "SENDER VARCHAR(" + ADDRESS_LENGTH + ") NOT NULL, "
        + "RECIPIENT VARCHAR(" + ADDRESS_LENGTH + ") NOT NULL, "
        + "FIRST_SEEN BIGINT NOT NULL, "
        + "LAST_SEEN BIGINT NOT NULL, "
        + "ALLOWED SMALLINT NOT NULL, "
        + "CONSTRAINT " + TABLE + "_PK PRIMARY KEY (CLIENT_NETWORK, SENDER, RECIPIENT))";
    private static final String BY_TRIPLET = " WHERE CLIENT_NETWORK = ? AND SENDER = ? AND RECIPIENT = ?";
    private static final String SELECT = "SELECT FIRST_SEEN, LAST_SEEN, ALLOWED FROM " + TABLE + BY_TRIPLET;
    private static final String INSERT = "INSERT INTO " + TABLE
        + " (CLIENT_NETWORK, SENDER, RECIPIENT, FIRST_SEEN, LAST_SEEN, ALLOWED) VALUES (?, ?, ?, ?, ?, " + NOT_ALLOWED + ")";
    private static final String RESTART = "UPDATE " + TABLE + " SET FIRST_SEEN = ?, LAST_SEEN = ?, ALLOWED = " + NOT_ALLOWED + BY_TRIPLET;
    private static final String MARK_ALLOWED = "UPDATE " + TABLE + " SET ALLOWED = 1, LAST_SEEN = ?" + BY_TRIPLET;
    private static final String DELETE_EXPIRED = "DELETE FROM " + TABLE
        + " WHERE (ALLOWED = " + NOT_ALLOWED + " AND FIRST_SEEN < ?) OR (ALLOWED <> " + NOT_ALLOWED + " AND LAST_SEEN < ?)";

    /** One operation on a connection of the data source. */
    @FunctionalInterface
    private interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private final DataSource dataSource;

    /**
     * @throws SQLException when the database cannot be reached or the table cannot be created: a
     *                      store that does not work at startup is a configuration error, not an outage
     */
    @Inject
    public JdbcGreylistStore(DataSource dataSource) throws SQLException {
        this.dataSource = dataSource;
        JdbcTables.createIfMissing(dataSource, TABLE, CREATE_TABLE);
    }

    @Override
    public Optional<Entry> find(Triplet triplet) throws StoreException {
        return inConnection("looking up " + triplet, connection -> select(connection, triplet));
    }

    @Override
    public Entry recordFirstAttempt(Triplet triplet, Instant now) throws StoreException {
        return inConnection("recording a first attempt of " + triplet, connection -> insertIfAbsent(connection, triplet, now));
    }

    @Override
    public void restart(Triplet triplet, Instant now) throws StoreException {
        inConnection("restarting " + triplet, connection -> {
            int updated;
            try (PreparedStatement restart = connection.prepareStatement(RESTART)) {
                restart.setLong(1, now.toEpochMilli());
                restart.setLong(2, now.toEpochMilli());
                bindTriplet(restart, 3, triplet);
                updated = restart.executeUpdate();
            }
            if (updated == 0) {
                // Deleted meanwhile (by an expiry sweep): record it afresh.
                insertIfAbsent(connection, triplet, now);
            }
            return null;
        });
    }

    @Override
    public boolean markAllowed(Triplet triplet, Instant now) throws StoreException {
        return inConnection("allowing " + triplet, connection -> {
            try (PreparedStatement allow = connection.prepareStatement(MARK_ALLOWED)) {
                allow.setLong(1, now.toEpochMilli());
                bindTriplet(allow, 2, triplet);
                return allow.executeUpdate() > 0;
            }
        });
    }

    @Override
    public int deleteExpired(Instant now, Duration window, Duration autoAllow) throws StoreException {
        return inConnection("deleting expired entries", connection -> {
            try (PreparedStatement delete = connection.prepareStatement(DELETE_EXPIRED)) {
                delete.setLong(1, now.minus(window).toEpochMilli());
                delete.setLong(2, now.minus(autoAllow).toEpochMilli());
                return delete.executeUpdate();
            }
        });
    }

    private static Entry insertIfAbsent(Connection connection, Triplet triplet, Instant now) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
            bindTriplet(insert, 1, triplet);
            insert.setLong(4, now.toEpochMilli());
            insert.setLong(5, now.toEpochMilli());
            insert.executeUpdate();
            Instant stored = Instant.ofEpochMilli(now.toEpochMilli());
            return new Entry(stored, stored, false);
        } catch (SQLException e) {
            if (!isDuplicateKey(e)) {
                throw e;
            }
        }
        // Another thread or node recorded it first: its entry stands.
        return select(connection, triplet)
            .orElseThrow(() -> new SQLException("the entry of " + triplet + " existed on insert but not when read back"));
    }

    private static Optional<Entry> select(Connection connection, Triplet triplet) throws SQLException {
        try (PreparedStatement select = connection.prepareStatement(SELECT)) {
            bindTriplet(select, 1, triplet);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Entry(Instant.ofEpochMilli(row.getLong("FIRST_SEEN")), Instant.ofEpochMilli(row.getLong("LAST_SEEN")),
                    row.getInt("ALLOWED") != NOT_ALLOWED));
            }
        }
    }

    private static void bindTriplet(PreparedStatement statement, int firstIndex, Triplet triplet) throws SQLException {
        statement.setString(firstIndex, bounded(triplet.clientNetwork(), NETWORK_LENGTH));
        statement.setString(firstIndex + 1, bounded(triplet.sender(), ADDRESS_LENGTH));
        statement.setString(firstIndex + 2, bounded(triplet.recipient(), ADDRESS_LENGTH));
    }

    /** At most {@code length} characters, never cutting a surrogate pair in two (an invalid string for the database). */
    static String bounded(String value, int length) {
        if (value.length() <= length) {
            return value;
        }
        int end = Character.isHighSurrogate(value.charAt(length - 1)) ? length - 1 : length;
        return value.substring(0, end);
    }

    static boolean isDuplicateKey(SQLException exception) {
        for (SQLException current = exception; current != null; current = current.getNextException()) {
            if (DUPLICATE_KEY.equals(current.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    private <T> T inConnection(String what, Work<T> work) throws StoreException {
        try (Connection connection = dataSource.getConnection()) {
            if (!connection.getAutoCommit()) {
                connection.setAutoCommit(true);
            }
            return work.run(connection);
        } catch (SQLException e) {
            throw new StoreException("Greylist store failed " + what + ": " + e.getMessage() + " (SQLState " + e.getSQLState() + ")", e);
        }
    }
}
