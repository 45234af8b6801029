package org.helpdeskmail.clients;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;

import javax.sql.DataSource;

/**
 * What the small JDBC stores share: creating their table at start when it is missing, running one
 * operation per connection in auto-commit mode, and recognising a duplicate key. The SQL of the
 * stores is plain enough for Apache Derby 10.14 (embedded, the single-node default) and PostgreSQL
 * (shared by several nodes).
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
     * Runs {@code statements} (the CREATE TABLE, then its indexes) when {@code table} is missing.
     * Another node starting at the same moment may create it first: that is no failure.
     *
     * @throws SQLException when the database cannot be reached or the table cannot be created: a
     *                      store that does not work at startup is a configuration error, not an outage
     */
    void createTableIfMissing(String table, List<String> statements) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            if (tableExists(connection, table)) {
                return;
            }
            boolean autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                for (String sql : statements) {
                    statement.executeUpdate(sql);
                }
                connection.commit();
            } catch (SQLException e) {
                connection.rollback();
                if (!tableExists(connection, table)) {
                    throw e;
                }
            } finally {
                connection.setAutoCommit(autoCommit);
            }
        }
    }

    /**
     * Whether the table is in the connection's current schema. Unquoted names are stored in upper
     * case by Derby (and the SQL standard) but in lower case by PostgreSQL, so the metadata is asked
     * in the case the database says it stores; the result is compared exactly because the name's
     * underscore is a wildcard in the pattern, and Derby offers no escape for it.
     */
    static boolean tableExists(Connection connection, String table) throws SQLException {
        DatabaseMetaData metaData = connection.getMetaData();
        String name = metaData.storesLowerCaseIdentifiers() ? table.toLowerCase(Locale.ROOT) : table.toUpperCase(Locale.ROOT);
        try (ResultSet tables = metaData.getTables(null, connection.getSchema(), name, new String[] {"TABLE"})) {
            while (tables.next()) {
                if (name.equals(tables.getString("TABLE_NAME"))) {
                    return true;
                }
            }
        }
        return false;
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
