package org.helpdeskmail.clients.outbound;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.sql.DataSource;

import org.apache.james.core.MailAddress;
import org.helpdeskmail.clients.JdbcTables;

/**
 * Issues and traces the VERP return paths of outbound mail: one per (message, recipient), so that a
 * bounce or complaint names the recipient it is about even when the report itself is unreadable.
 *
 * <p>The token is {@code <id><signature>}: 13 base32 characters derived from the message key and the
 * recipient (the same on every retry), then 8 base32 characters of HMAC-SHA256(secret, id). A
 * forged or mistyped token fails the signature before the database is asked; a genuine one is
 * looked up in table {@value #TABLE}:
 *
 * <pre>{@code
 * CREATE TABLE HELPDESK_RETURN_PATH (
 *     TOKEN_ID VARCHAR(13) NOT NULL PRIMARY KEY,
 *     MESSAGE_ID VARCHAR(998),          -- the Message-ID header of the outbound message
 *     RECIPIENT VARCHAR(320) NOT NULL,
 *     CREATED BIGINT NOT NULL)          -- epoch milliseconds, for the purge
 * }</pre>
 *
 * Tokens are lower case: some MTAs fold the case of the addresses they bounce to.
 */
public final class ReturnPaths {
    public static final String TABLE = "HELPDESK_RETURN_PATH";
    static final int ID_LENGTH = 13;
    static final int SIGNATURE_LENGTH = 8;
    private static final String DUPLICATE_KEY = "23505";
    private static final int MESSAGE_ID_LENGTH = 998;
    private static final int ADDRESS_LENGTH = 320;
    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
    private static final String CREATE_TABLE = "CREATE TABLE " + TABLE + " (TOKEN_ID VARCHAR(" + ID_LENGTH + ") NOT NULL PRIMARY KEY, "
        + "MESSAGE_ID VARCHAR(" + MESSAGE_ID_LENGTH + "), RECIPIENT VARCHAR(" + ADDRESS_LENGTH + ") NOT NULL, CREATED BIGINT NOT NULL)";
    private static final String INSERT = "INSERT INTO " + TABLE + " (TOKEN_ID, MESSAGE_ID, RECIPIENT, CREATED) VALUES (?, ?, ?, ?)";
    private static final String SELECT = "SELECT MESSAGE_ID, RECIPIENT FROM " + TABLE + " WHERE TOKEN_ID = ?";
    private static final String PURGE = "DELETE FROM " + TABLE + " WHERE CREATED < ?";

    /** What a return path was issued for. */
    public record Traced(Optional<String> messageId, MailAddress recipient) {
    }

    private final DataSource dataSource;
    private final BounceAddresses addresses;
    private final SecretKeySpec key;
    private final Clock clock;

    public ReturnPaths(DataSource dataSource, BounceAddresses addresses, String secret, Clock clock) throws SQLException {
        this.dataSource = dataSource;
        this.addresses = addresses;
        this.key = new SecretKeySpec(("verp:" + secret).getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.clock = clock;
        JdbcTables.createIfMissing(dataSource, TABLE, CREATE_TABLE);
    }

    public BounceAddresses addresses() {
        return addresses;
    }

    /** The return path of {@code recipient}'s copy of the message; the same one on every attempt. */
    public String issue(String messageKey, Optional<String> messageId, MailAddress recipient) throws SQLException {
        String id = id(messageKey, recipient);
        try (Connection connection = dataSource.getConnection(); PreparedStatement insert = connection.prepareStatement(INSERT)) {
            insert.setString(1, id);
            insert.setString(2, messageId.map(value -> cut(value, MESSAGE_ID_LENGTH)).orElse(null));
            insert.setString(3, cut(recipient.asString(), ADDRESS_LENGTH));
            insert.setLong(4, clock.millis());
            insert.executeUpdate();
        } catch (SQLException e) {
            if (!DUPLICATE_KEY.equals(e.getSQLState())) {
                throw e;
            }
        }
        return addresses.address(id + signature(id));
    }

    /** What a bounce sent to {@code address} is about; empty for another address, a forged token or a purged one. */
    public Optional<Traced> trace(MailAddress address) throws SQLException {
        Optional<String> token = addresses.token(address);
        if (token.isEmpty() || token.get().length() != ID_LENGTH + SIGNATURE_LENGTH) {
            return Optional.empty();
        }
        String id = token.get().substring(0, ID_LENGTH);
        byte[] expected = signature(id).getBytes(StandardCharsets.US_ASCII);
        byte[] given = token.get().substring(ID_LENGTH).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, given)) {
            return Optional.empty();
        }
        try (Connection connection = dataSource.getConnection(); PreparedStatement select = connection.prepareStatement(SELECT)) {
            select.setString(1, id);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Traced(Optional.ofNullable(row.getString(1)), new MailAddress(row.getString(2))));
            } catch (javax.mail.internet.AddressException e) {
                return Optional.empty();
            }
        }
    }

    /** Forgets return paths older than {@code age}: later bounces for them are ignored. */
    public int purgeOlderThan(Duration age) throws SQLException {
        try (Connection connection = dataSource.getConnection(); PreparedStatement purge = connection.prepareStatement(PURGE)) {
            purge.setLong(1, clock.instant().minus(age).toEpochMilli());
            return purge.executeUpdate();
        }
    }

    private static String id(String messageKey, MailAddress recipient) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                .digest((messageKey + "\n" + recipient.asString().toLowerCase(Locale.ROOT)).getBytes(StandardCharsets.UTF_8));
            return base32(digest, ID_LENGTH);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private String signature(String id) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return base32(mac.doFinal(id.getBytes(StandardCharsets.US_ASCII)), SIGNATURE_LENGTH);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }

    /** The first {@code length} base32 characters of the bytes (5 bits each). */
    private static String base32(byte[] bytes, int length) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            int bit = i * 5;
            int value = ((bytes[bit / 8] & 0xff) << 8 | (bit / 8 + 1 < bytes.length ? bytes[bit / 8 + 1] & 0xff : 0)) >> (11 - bit % 8) & 0x1f;
            text.append(BASE32[value]);
        }
        return text.toString();
    }

    private static String cut(String value, int length) {
        return value.length() > length ? value.substring(0, length) : value;
    }
}
