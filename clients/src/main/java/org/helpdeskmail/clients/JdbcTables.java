package org.helpdeskmail.clients;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;

import javax.sql.DataSource;

/** Creates the small stores' tables at startup, on Derby and PostgreSQL alike. */
public final class JdbcTables {
    private JdbcTables() {
    }

    /**
     * Runs {@code createStatements} (the table first, then its indexes) when the table is missing.
     * Another node starting at the same time may create it first, which is no error.
     */
    public static void createIfMissing(DataSource dataSource, String table, String... createStatements) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            if (exists(connection, table)) {
                return;
            }
            try (Statement statement = connection.createStatement()) {
                for (String create : createStatements) {
                    statement.executeUpdate(create);
                }
                if (!connection.getAutoCommit()) {
                    connection.commit();
                }
            } catch (SQLException e) {
                if (!connection.getAutoCommit()) {
                    connection.rollback();
                }
                if (!exists(connection, table)) {
                    throw e;
                }
            }
        }
    }

    /**
     * Whether the table is in the connection's current schema. Unquoted names are stored in upper
     * case by Derby (and the SQL standard) but in lower case by PostgreSQL, so the metadata is asked
     * in the case the database says it stores; the result is compared exactly because the name's
     * underscore is a wildcard in the pattern, and Derby offers no escape for it.
     */
    public static boolean exists(Connection connection, String table) throws SQLException {
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
}
