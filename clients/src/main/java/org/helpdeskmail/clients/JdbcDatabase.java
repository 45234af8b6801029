package org.helpdeskmail.clients;

import java.sql.Connection;
import java.sql.SQLException;

import javax.sql.DataSource;

/**
 * What the suppression list and the ticket threads share besides {@link JdbcTables}: one operation
 * per connection in auto-commit mode, failures that say what the store was doing, recognising a
 * duplicate key. Their SQL is plain enough for Apache Derby 10.14 (embedded, the single-node
 * default) and PostgreSQL (shared by several nodes).
 */
final class JdbcDatabase {
    /** SQLState of a unique or primary key violation, on Derby and PostgreSQL alike. */
    static final String DUPLICATE_KEY = "23505";

    /** One operation on a connection of the data source. */
    @FunctionalInterface
    interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    private final DataSource dataSource;
    private final String storeName;

    /** @param storeName how failures name the store: "Suppression list", "Ticket threads" */
    JdbcDatabase(DataSource dataSource, String storeName) {
        this.dataSource = dataSource;
        this.storeName = storeName;
    }

    /**
     * Runs {@code work} on a connection of its own in auto-commit mode: each statement is its own
     * transaction, as PostgreSQL aborts a whole transaction at its first error (a duplicate key the
     * work expects and handles, for instance).
     *
     * @param what what the store is doing, for the message of the failure
     */
    <T> T inConnection(String what, Work<T> work) throws DataStoreException {
        try (Connection connection = dataSource.getConnection()) {
            if (!connection.getAutoCommit()) {
                connection.setAutoCommit(true);
            }
            return work.run(connection);
        } catch (SQLException e) {
            throw new DataStoreException(storeName + " failed " + what + ": " + e.getMessage() + " (SQLState " + e.getSQLState() + ")", e);
        }
    }

    static boolean isDuplicateKey(SQLException exception) {
        for (SQLException current = exception; current != null; current = current.getNextException()) {
            if (DUPLICATE_KEY.equals(current.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /** At most {@code length} characters, never cutting a surrogate pair in two (an invalid string for the database). */
    static String bounded(String value, int length) {
        if (value.length() <= length) {
            return value;
        }
        int end = Character.isHighSurrogate(value.charAt(length - 1)) ? length - 1 : length;
        return value.substring(0, end);
    }
}
