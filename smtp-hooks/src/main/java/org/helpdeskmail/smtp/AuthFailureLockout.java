package org.helpdeskmail.smtp;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import javax.inject.Inject;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.core.Username;
import org.apache.james.protocols.api.OidcSASLConfiguration;
import org.apache.james.protocols.api.ProtocolSession;
import org.apache.james.protocols.api.handler.DisconnectHandler;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.AuthHook;
import org.apache.james.protocols.smtp.hook.Hook;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookResultHook;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.smtpserver.UsersRepositoryAuthHook;
import org.apache.james.util.DurationParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops password guessing on the submission listener: after {@code maxFailures} failed SMTP AUTH
 * attempts from one client address within {@code window}, that address is locked out for
 * {@code lockout}: every AUTH it sends is answered {@code 454 4.7.0 Too many failed
 * authentications, try again later} without the password being looked at, and the lock-out is
 * logged (WARN). Sessions that had already authenticated carry on. Failures are counted in a sliding
 * window; the lock-out starts afresh (with no failures remembered) when it ends.
 *
 * <pre>{@code
 * <handler class="org.helpdeskmail.smtp.AuthFailureLockout">
 *     <maxFailures>5</maxFailures>   <!-- default 5 -->
 *     <window>10 minutes</window>    <!-- default 10 minutes -->
 *     <lockout>15 minutes</lockout>  <!-- default 15 minutes -->
 * </handler>
 * }</pre>
 *
 * <p>How it sees James's verdict (3.8.1). {@code AuthCmdHandler} asks its {@link AuthHook}s in turn
 * until one answers something other than DECLINED, and after each one passes the result through
 * every {@link HookResultHook} (as {@code AbstractHookableCmdHandler} does for the other commands).
 * The handler chain lists the configured handlers before the core ones, so this hook, configured in
 * {@code <handlerchain>}, is asked before James's {@link UsersRepositoryAuthHook}, the core hook that
 * checks the password: that is where a locked-out address is refused, so the password is never
 * tested. As a {@link HookResultHook}, this class then sees what {@code UsersRepositoryAuthHook}
 * answered: OK is a success; DECLINED is a failure, because it is the last AuthHook and James
 * answers {@code 535} when all decline; DENY (from a subclass, say) is a failure too; DENYSOFT is a
 * temporary problem and is not held against the client. Results of other hooks, of this one and of
 * other commands pass through untouched. The alternatives were worse: replacing
 * {@code UsersRepositoryAuthHook} by our own password check would duplicate James's authentication
 * (and its delegation rules); and a DisconnectHandler or the next command only learns of a failure
 * late, after the client could have tried again.
 *
 * <p>Limits. {@code UsersRepositoryAuthHook} also answers DECLINED when the users repository fails
 * (it only logs the error), so such errors count as failures: an app retrying through a storage
 * outage can lock itself out. Every AUTH that reaches the password check counts, whatever the user
 * name, so one misconfigured app worker (an old password after a rotation) locks out every worker
 * behind the same address; the WARN line names the address. Counts live in memory, per listener: a
 * restart forgets them, and several server instances each allow {@code maxFailures}. The client is
 * its exact address (the listener only accepts the app's own networks anyway).
 */
public class AuthFailureLockout implements AuthHook, HookResultHook, DisconnectHandler<SMTPSession> {
    /** An AUTH of this connection went on to the password check and its outcome is not counted yet. */
    private static final ProtocolSession.AttachmentKey<Boolean> PENDING =
        ProtocolSession.AttachmentKey.of("helpdesk.auth.pending", Boolean.class);
    static final String LOCKED_OUT_DESCRIPTION = "4.7.0 Too many failed authentications, try again later";
    private static final Logger LOGGER = LoggerFactory.getLogger(AuthFailureLockout.class);
    /** Above this many tracked addresses, those with nothing left to remember are dropped. */
    private static final int PRUNE_THRESHOLD = 10_000;
    private static final HookResult LOCKED_OUT = HookResult.builder()
        .hookReturnCode(HookReturnCode.denySoft())
        .smtpReturnCode("454")
        .smtpDescription(LOCKED_OUT_DESCRIPTION)
        .build();

    record Parameters(int maxFailures, Duration window, Duration lockout) {
    }

    /** What is remembered of an address: its recent failures (oldest first), and its lock-out, if any. */
    private record Record(List<Instant> failures, Optional<Instant> lockedUntil) {
        private Record {
            failures = List.copyOf(failures);
        }

        boolean isLockedAt(Instant now) {
            return lockedUntil.map(now::isBefore).orElse(false);
        }

        boolean isForgettableAt(Instant now, Duration window) {
            return !isLockedAt(now) && failures.stream().noneMatch(failure -> failure.isAfter(now.minus(window)));
        }

        Instant lastActivity() {
            return lockedUntil.orElse(failures.isEmpty() ? Instant.MIN : failures.get(failures.size() - 1));
        }
    }

    private final Clock clock;
    private final Map<String, Record> records = new ConcurrentHashMap<>();
    private Parameters parameters = new Parameters(5, Duration.ofMinutes(10), Duration.ofMinutes(15));

    @Inject
    public AuthFailureLockout(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void init(Configuration configuration) throws ConfigurationException {
        String maximum = configuration.getString("maxFailures", "5").trim();
        int maxFailures;
        try {
            maxFailures = Integer.parseInt(maximum);
        } catch (NumberFormatException e) {
            throw new ConfigurationException(getClass().getSimpleName() + ": <maxFailures> '" + maximum + "' is not a number");
        }
        if (maxFailures < 1) {
            throw new ConfigurationException(getClass().getSimpleName() + ": <maxFailures> must be at least 1, was " + maxFailures);
        }
        parameters = new Parameters(maxFailures,
            duration(configuration, "window", "10 minutes"),
            duration(configuration, "lockout", "15 minutes"));
    }

    private Duration duration(Configuration configuration, String element, String defaultValue) throws ConfigurationException {
        String value = configuration.getString(element, defaultValue).trim();
        // DurationParser reads a bare number as milliseconds: "<lockout>15</lockout>" would lock
        // nobody out, so a unit is required.
        if (value.chars().allMatch(Character::isDigit)) {
            throw new ConfigurationException(getClass().getSimpleName() + ": <" + element + "> '" + value
                + "' needs a unit, such as '" + defaultValue + "'");
        }
        Duration duration;
        try {
            duration = DurationParser.parse(value);
        } catch (RuntimeException e) {
            throw new ConfigurationException(getClass().getSimpleName() + ": <" + element + "> '" + value
                + "' is not a duration such as '" + defaultValue + "'");
        }
        if (duration.isZero() || duration.isNegative()) {
            throw new ConfigurationException(getClass().getSimpleName() + ": <" + element + "> must be longer than zero, was '" + value + "'");
        }
        return duration;
    }

    @Override
    public HookResult doAuth(SMTPSession session, Username username, String password) {
        return refuseIfLockedOut(session);
    }

    @Override
    public HookResult doSasl(SMTPSession session, OidcSASLConfiguration configuration, String initialResponse) {
        return refuseIfLockedOut(session);
    }

    @Override
    public HookResult doDelegation(SMTPSession session, Username authorizedUser) {
        return refuseIfLockedOut(session);
    }

    private HookResult refuseIfLockedOut(SMTPSession session) {
        settlePendingAttempt(session);
        String client = clientOf(session);
        Record record = records.get(client);
        if (record != null && record.isLockedAt(clock.instant())) {
            LOGGER.debug("AUTH from {} refused: locked out until {}", client, record.lockedUntil().get());
            return LOCKED_OUT;
        }
        session.setAttachment(PENDING, true, ProtocolSession.State.Connection);
        return HookResult.DECLINED;
    }

    @Override
    public HookResult onHookResult(SMTPSession session, HookResult result, long executionTime, Hook hook) {
        if (hook instanceof UsersRepositoryAuthHook && result != null) {
            session.removeAttachment(PENDING, ProtocolSession.State.Connection);
            if (isFailure(result.getResult())) {
                recordFailure(clientOf(session));
            }
        }
        return result;
    }

    /**
     * The James server of 3.8.1 does not pass AUTH results to the HookResultHooks of a handler chain
     * (only a hand-wired AuthCmdHandler does): an attempt that the result hook did not see is judged
     * when the client tries again or leaves, by whether the session ended up authenticated.
     */
    private void settlePendingAttempt(SMTPSession session) {
        if (session.removeAttachment(PENDING, ProtocolSession.State.Connection).orElse(false) && session.getUsername() == null) {
            recordFailure(clientOf(session));
        }
    }

    @Override
    public void onDisconnect(SMTPSession session) {
        settlePendingAttempt(session);
    }

    private static boolean isFailure(HookReturnCode code) {
        return code.getAction() == HookReturnCode.Action.DECLINED || code.getAction() == HookReturnCode.Action.DENY;
    }

    private void recordFailure(String client) {
        Instant now = clock.instant();
        Parameters current = parameters;
        boolean[] lockedNow = {false};
        records.compute(client, (ignored, record) -> {
            if (record != null && record.isLockedAt(now)) {
                // A password that a concurrent session had checked before the lock-out: already locked.
                return record;
            }
            List<Instant> failures = new ArrayList<>(current.maxFailures());
            if (record != null) {
                record.failures().stream().filter(failure -> failure.isAfter(now.minus(current.window()))).forEach(failures::add);
            }
            failures.add(now);
            if (failures.size() >= current.maxFailures()) {
                lockedNow[0] = true;
                return new Record(List.of(), Optional.of(now.plus(current.lockout())));
            }
            return new Record(failures, Optional.empty());
        });
        if (lockedNow[0]) {
            LOGGER.warn("SMTP AUTH from {} locked out for {} after {} failed authentications within {}",
                client, current.lockout(), current.maxFailures(), current.window());
        }
        if (records.size() > PRUNE_THRESHOLD) {
            prune(now, current);
        }
    }

    private void prune(Instant now, Parameters current) {
        records.keySet().forEach(client -> records.computeIfPresent(client,
            (ignored, record) -> record.isForgettableAt(now, current.window()) ? null : record));
        if (records.size() > PRUNE_THRESHOLD) {
            // Still too many (an address flood): forget the least recently active, lock-outs last.
            records.entrySet().stream()
                .sorted(Comparator.comparing((Map.Entry<String, Record> entry) -> entry.getValue().isLockedAt(now))
                    .thenComparing(entry -> entry.getValue().lastActivity()))
                .limit(records.size() - PRUNE_THRESHOLD * 9L / 10)
                .map(Map.Entry::getKey)
                .toList()
                .forEach(records::remove);
        }
    }

    /** Whether {@code session}'s client address is locked out now. */
    boolean isLockedOut(SMTPSession session) {
        Record record = records.get(clientOf(session));
        return record != null && record.isLockedAt(clock.instant());
    }

    private static String clientOf(SMTPSession session) {
        return session.getRemoteAddress().getAddress().getHostAddress();
    }
}
