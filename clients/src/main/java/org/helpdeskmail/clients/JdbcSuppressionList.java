package org.helpdeskmail.clients;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import javax.inject.Inject;
import javax.sql.DataSource;

import org.apache.james.core.MailAddress;

/**
 * The {@link SuppressionList} in table {@value #TABLE} of the server's database, created at
 * construction when it is missing:
 *
 * <pre>{@code
 * CREATE TABLE HELPDESK_SUPPRESSION (
 *     ADDRESS VARCHAR(320) NOT NULL,     -- lower case
 *     REASON VARCHAR(16) NOT NULL,       -- HARD_BOUNCE, COMPLAINT, MANUAL
 *     DETAIL VARCHAR(1000),              -- diagnostic or note; cut to fit
 *     SUPPRESSED_AT BIGINT NOT NULL,     -- epoch milliseconds
 *     CONSTRAINT HELPDESK_SUPPRESSION_PK PRIMARY KEY (ADDRESS))
 * }</pre>
 *
 * <p>A lookup is one read through the primary key's index. There is no cache in front of it: that
 * read costs microseconds on the embedded Derby and one round trip on a shared PostgreSQL, while a
 * cache on one node would go on sending to an address that another node has just suppressed.
 * Suppressing inserts and treats a duplicate key as "already there", so several nodes recording
 * the same bounce need no lock.
 */
public final class JdbcSuppressionList implements SuppressionList {
    public static final String TABLE = "HELPDESK_SUPPRESSION";
    static final int DETAIL_LENGTH = 1000;

    private static final String CREATE_TABLE = "CREATE TABLE " + TABLE + " ("
        + "ADDRESS VARCHAR(" + MAX_ADDRESS_LENGTH + ") NOT NULL, "
        + "REASON VARCHAR(16) NOT NULL, "
        + "DETAIL VARCHAR(" + DETAIL_LENGTH + "), "
        + "SUPPRESSED_AT BIGINT NOT NULL, "
        + "CONSTRAINT " + TABLE + "_PK PRIMARY KEY (ADDRESS))";
    private static final String COLUMNS = "SELECT ADDRESS, REASON, DETAIL, SUPPRESSED_AT FROM " + TABLE;
    private static final String EXISTS = "SELECT 1 FROM " + TABLE + " WHERE ADDRESS = ?";
    private static final String SELECT = COLUMNS + " WHERE ADDRESS = ?";
    private static final String INSERT = "INSERT INTO " + TABLE + " (ADDRESS, REASON, DETAIL, SUPPRESSED_AT) VALUES (?, ?, ?, ?)";
    private static final String DELETE = "DELETE FROM " + TABLE + " WHERE ADDRESS = ?";
    private static final String ALL = COLUMNS + " ORDER BY ADDRESS";
    // SQL:2008 paging, which Derby (10.5 and later) and PostgreSQL both understand.
    private static final String PAGE = ALL + " OFFSET ? ROWS FETCH NEXT ? ROWS ONLY";

    private final JdbcDatabase database;

    /**
     * @throws SQLException when the database cannot be reached or the table cannot be created
     */
    @Inject
    public JdbcSuppressionList(DataSource dataSource) throws SQLException {
        this.database = new JdbcDatabase(dataSource, "Suppression list");
        JdbcTables.createIfMissing(dataSource, TABLE, CREATE_TABLE);
    }

    @Override
    public boolean isSuppressed(MailAddress address) throws DataStoreException {
        String key = SuppressionList.key(address);
        if (key.length() > MAX_ADDRESS_LENGTH) {
            // Never stored, so never suppressed.
            return false;
        }
        return database.inConnection("looking up " + key, connection -> {
            try (PreparedStatement exists = connection.prepareStatement(EXISTS)) {
                exists.setString(1, key);
                try (ResultSet row = exists.executeQuery()) {
                    return row.next();
                }
            }
        });
    }

    @Override
    public Optional<SuppressedAddress> find(MailAddress address) throws DataStoreException {
        String key = SuppressionList.key(address);
        if (key.length() > MAX_ADDRESS_LENGTH) {
            return Optional.empty();
        }
        return database.inConnection("reading " + key, connection -> {
            try (PreparedStatement select = connection.prepareStatement(SELECT)) {
                select.setString(1, key);
                List<SuppressedAddress> found = read(select);
                return found.stream().findFirst();
            }
        });
    }

    @Override
    public boolean suppress(MailAddress address, Reason reason, String detail, Instant at) throws DataStoreException {
        String key = SuppressionList.key(address);
        if (key.length() > MAX_ADDRESS_LENGTH) {
            throw new IllegalArgumentException(key + " is longer than " + MAX_ADDRESS_LENGTH + " characters");
        }
        return database.inConnection("suppressing " + key, connection -> insertIfAbsent(connection, key, reason, detail, at));
    }

    private static boolean insertIfAbsent(Connection connection, String key, Reason reason, String detail, Instant at)
        throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
            insert.setString(1, key);
            insert.setString(2, reason.name());
            String bounded = detail == null || detail.isBlank() ? null : JdbcDatabase.bounded(detail.strip(), DETAIL_LENGTH);
            insert.setString(3, bounded);
            insert.setLong(4, at.toEpochMilli());
            insert.executeUpdate();
            return true;
        } catch (SQLException e) {
            if (JdbcDatabase.isDuplicateKey(e)) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public boolean remove(MailAddress address) throws DataStoreException {
        String key = SuppressionList.key(address);
        return database.inConnection("removing " + key, connection -> {
            try (PreparedStatement delete = connection.prepareStatement(DELETE)) {
                delete.setString(1, key);
                return delete.executeUpdate() > 0;
            }
        });
    }

    @Override
    public List<SuppressedAddress> list(int limit, int offset) throws DataStoreException {
        if (limit < 1 || offset < 0) {
            throw new IllegalArgumentException("limit must be positive and offset not negative, got " + limit + " and " + offset);
        }
        return database.inConnection("listing", connection -> {
            try (PreparedStatement page = connection.prepareStatement(PAGE)) {
                page.setInt(1, offset);
                page.setInt(2, limit);
                return read(page);
            }
        });
    }

    @Override
    public List<SuppressedAddress> list() throws DataStoreException {
        return database.inConnection("listing", connection -> {
            try (PreparedStatement all = connection.prepareStatement(ALL)) {
                return read(all);
            }
        });
    }

    private static List<SuppressedAddress> read(PreparedStatement query) throws SQLException {
        List<SuppressedAddress> addresses = new ArrayList<>();
        try (ResultSet rows = query.executeQuery()) {
            while (rows.next()) {
                addresses.add(new SuppressedAddress(rows.getString("ADDRESS"), Reason.valueOf(rows.getString("REASON")),
                    Optional.ofNullable(rows.getString("DETAIL")), Instant.ofEpochMilli(rows.getLong("SUPPRESSED_AT"))));
            }
        }
        return addresses;
    }
}
