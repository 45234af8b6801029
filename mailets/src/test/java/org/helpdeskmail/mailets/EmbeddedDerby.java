package org.helpdeskmail.mailets;

import java.nio.file.Path;
import java.sql.SQLException;

import javax.sql.DataSource;

/**
 * A real embedded Derby database in a directory of the test, as the server keeps one under
 * var/derby/. Derby's EmbeddedDataSource is created reflectively so that this module compiles
 * without Derby; the tests that use it need Derby among the module's test dependencies.
 */
final class EmbeddedDerby implements AutoCloseable {
    private static final String DATA_SOURCE = "org.apache.derby.jdbc.EmbeddedDataSource";
    /** SQLState with which Derby confirms that a database was shut down. */
    private static final String SHUT_DOWN = "08006";

    private final String databaseName;

    EmbeddedDerby(Path directory) {
        if (System.getProperty("derby.stream.error.file") == null) {
            // Derby writes derby.log into the working directory (the module) unless told otherwise.
            System.setProperty("derby.stream.error.file", "target/derby.log");
        }
        this.databaseName = directory.resolve("database").toString();
    }

    DataSource dataSource() {
        return dataSource("setCreateDatabase", "create");
    }

    @Override
    public void close() throws SQLException {
        try {
            dataSource("setShutdownDatabase", "shutdown").getConnection().close();
        } catch (SQLException e) {
            if (!SHUT_DOWN.equals(e.getSQLState())) {
                throw e;
            }
        }
    }

    private DataSource dataSource(String setter, String value) {
        try {
            Class<?> type = Class.forName(DATA_SOURCE);
            Object source = type.getConstructor().newInstance();
            type.getMethod("setDatabaseName", String.class).invoke(source, databaseName);
            type.getMethod(setter, String.class).invoke(source, value);
            return (DataSource) source;
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("Derby is missing: add org.apache.derby:derby (scope test) to mailets/pom.xml", e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Derby's " + DATA_SOURCE + " could not be set up", e);
        }
    }
}
