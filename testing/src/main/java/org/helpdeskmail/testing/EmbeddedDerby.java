package org.helpdeskmail.testing;

import java.nio.file.Path;
import java.sql.SQLException;

import javax.sql.DataSource;

import org.apache.derby.jdbc.EmbeddedDataSource;

/** A real embedded Derby database in a directory of the test, as the server keeps one under var/derby/. */
public final class EmbeddedDerby implements AutoCloseable {
    /** SQLState with which Derby confirms that a database was shut down. */
    private static final String SHUT_DOWN = "08006";

    private final String databaseName;

    public EmbeddedDerby(Path directory) {
        if (System.getProperty("derby.stream.error.file") == null) {
            // Derby writes derby.log into the working directory (the module) unless told otherwise.
            System.setProperty("derby.stream.error.file", "target/derby.log");
        }
        this.databaseName = directory.resolve("database").toString();
    }

    public DataSource dataSource() {
        EmbeddedDataSource dataSource = new EmbeddedDataSource();
        dataSource.setDatabaseName(databaseName);
        dataSource.setCreateDatabase("create");
        return dataSource;
    }

    /** Shuts the database down, as a server stop does; {@link #dataSource()} opens it again from its files. */
    @Override
    public void close() throws SQLException {
        EmbeddedDataSource shutdown = new EmbeddedDataSource();
        shutdown.setDatabaseName(databaseName);
        shutdown.setShutdownDatabase("shutdown");
        try {
            shutdown.getConnection().close();
        } catch (SQLException e) {
            if (!SHUT_DOWN.equals(e.getSQLState())) {
                throw e;
            }
        }
    }
}
