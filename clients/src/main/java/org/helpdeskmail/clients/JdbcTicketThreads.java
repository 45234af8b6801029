package org.helpdeskmail.clients;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.inject.Inject;
import javax.sql.DataSource;

/**
 * The {@link TicketThreads} in table {@value #TABLE} of the server's database, created at
 * construction when it is missing:
 *
 * <pre>{@code
 * CREATE TABLE HELPDESK_TICKET_THREAD (
 *     MESSAGE_ID VARCHAR(500) NOT NULL,   -- <id-left@id-right>, normalised
 *     TICKET VARCHAR(255) NOT NULL,
 *     REMEMBERED_AT BIGINT NOT NULL,      -- epoch milliseconds
 *     CONSTRAINT HELPDESK_TICKET_THREAD_PK PRIMARY KEY (MESSAGE_ID))
 * CREATE INDEX HELPDESK_TICKET_THREAD_AGE ON HELPDESK_TICKET_THREAD (REMEMBERED_AT)
 * }</pre>
 *
 * <p>A reply's candidates are read in one query through the primary key; the index on the time
 * keeps {@link #forgetBefore(Instant)} from scanning the table.
 */
public final class JdbcTicketThreads implements TicketThreads {
    public static final String TABLE = "HELPDESK_TICKET_THREAD";

    private static final String CREATE_TABLE = "CREATE TABLE " + TABLE + " ("
        + "MESSAGE_ID VARCHAR(" + MAX_MESSAGE_ID_LENGTH + ") NOT NULL, "
        + "TICKET VARCHAR(" + MAX_TICKET_LENGTH + ") NOT NULL, "
        + "REMEMBERED_AT BIGINT NOT NULL, "
        + "CONSTRAINT " + TABLE + "_PK PRIMARY KEY (MESSAGE_ID))";
    private static final String CREATE_AGE_INDEX = "CREATE INDEX " + TABLE + "_AGE ON " + TABLE + " (REMEMBERED_AT)";
    private static final String UPDATE = "UPDATE " + TABLE + " SET TICKET = ?, REMEMBERED_AT = ? WHERE MESSAGE_ID = ?";
    private static final String INSERT = "INSERT INTO " + TABLE + " (TICKET, REMEMBERED_AT, MESSAGE_ID) VALUES (?, ?, ?)";
    private static final String DELETE_OLDER = "DELETE FROM " + TABLE + " WHERE REMEMBERED_AT < ?";

    private final JdbcDatabase database;

    /**
     * @throws SQLException when the database cannot be reached or the table cannot be created
     */
    @Inject
    public JdbcTicketThreads(DataSource dataSource) throws SQLException {
        this.database = new JdbcDatabase(dataSource, "Ticket threads");
        JdbcTables.createIfMissing(dataSource, TABLE, CREATE_TABLE, CREATE_AGE_INDEX);
    }

    @Override
    public void remember(String messageId, String ticket, Instant at) throws DataStoreException {
        String key = TicketThreads.normalise(messageId);
        String reference = ticket.strip();
        if (key.isEmpty() || key.length() > MAX_MESSAGE_ID_LENGTH) {
            throw new IllegalArgumentException("Message-ID '" + messageId + "' is empty or longer than " + MAX_MESSAGE_ID_LENGTH + " characters");
        }
        if (reference.isEmpty() || reference.length() > MAX_TICKET_LENGTH) {
            throw new IllegalArgumentException("ticket '" + ticket + "' is empty or longer than " + MAX_TICKET_LENGTH + " characters");
        }
        database.inConnection("remembering " + key, connection -> {
            // A Message-ID is new nearly always: one INSERT (one commit) in the common case.
            try {
                write(connection, INSERT, key, reference, at);
            } catch (SQLException e) {
                if (!JdbcDatabase.isDuplicateKey(e)) {
                    throw e;
                }
                // Remembered before (a retried submission, another node): the latest write wins.
                write(connection, UPDATE, key, reference, at);
            }
            return null;
        });
    }

    /** UPDATE and INSERT take their parameters in the same order. */
    private static int write(Connection connection, String sql, String key, String ticket, Instant at) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, ticket);
            statement.setLong(2, at.toEpochMilli());
            statement.setString(3, key);
            return statement.executeUpdate();
        }
    }

    @Override
    public Optional<String> ticketFor(List<String> messageIds) throws DataStoreException {
        List<String> candidates = messageIds.stream()
            .map(TicketThreads::normalise)
            .filter(id -> !id.isEmpty() && id.length() <= MAX_MESSAGE_ID_LENGTH)
            .distinct()
            .limit(MAX_CANDIDATES)
            .toList();
        if (candidates.isEmpty()) {
            return Optional.empty();
        }
        String select = "SELECT MESSAGE_ID, TICKET FROM " + TABLE + " WHERE MESSAGE_ID IN ("
            + String.join(", ", Collections.nCopies(candidates.size(), "?")) + ")";
        Map<String, String> known = database.inConnection("looking up " + candidates.get(0), connection -> {
            Map<String, String> tickets = new HashMap<>();
            try (PreparedStatement query = connection.prepareStatement(select)) {
                for (int i = 0; i < candidates.size(); i++) {
                    query.setString(i + 1, candidates.get(i));
                }
                try (ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        tickets.put(rows.getString("MESSAGE_ID"), rows.getString("TICKET"));
                    }
                }
            }
            return tickets;
        });
        return candidates.stream().filter(known::containsKey).map(known::get).findFirst();
    }

    @Override
    public int forgetBefore(Instant cutoff) throws DataStoreException {
        return database.inConnection("forgetting what is older than " + cutoff, connection -> {
            try (PreparedStatement delete = connection.prepareStatement(DELETE_OLDER)) {
                delete.setLong(1, cutoff.toEpochMilli());
                return delete.executeUpdate();
            }
        });
    }
}
