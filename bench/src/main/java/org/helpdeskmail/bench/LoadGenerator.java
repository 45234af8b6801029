package org.helpdeskmail.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Sends messages over a fixed number of concurrent SMTP sessions and records, for each one, the
 * moment the server's final 250 after DATA arrived: from then on the server owns the message, so
 * that is where the end-to-end latency starts. Each session sends up to
 * {@link Settings#messagesPerSession()} messages and then reconnects (1 is what the peer's
 * smtp-source does by default). Sessions take the next message number from a shared counter, so
 * a slow session does not hold back the others. With a rate, message n is not started before
 * t0 + n/rate (an open-loop schedule): latency is then measured at that load instead of at
 * saturation, where it mostly shows the backlog the sender piled up.
 */
public final class LoadGenerator {

    /**
     * ratePerSecond 0: as fast as the sessions go. heloName: what the sessions say in EHLO.
     * credentials: null for plain sessions (an MX), else STARTTLS and AUTH (submission).
     */
    public record Settings(InetSocketAddress server, int concurrency, int messagesPerSession, double ratePerSecond,
                           String heloName, AddressPattern senders, AddressPattern recipients, MessageMix mix,
                           SmtpSession.Credentials credentials) {
        public Settings {
            if (concurrency < 1 || messagesPerSession < 1 || ratePerSecond < 0) {
                throw new IllegalArgumentException("concurrency and messages per session must be at least 1, the rate not negative");
            }
        }
    }

    /** A message the server accepted: its token (the Subject) and when the 250 arrived (System.nanoTime). */
    public record Accepted(String token, int messageNumber, long acceptedAtNanos) {
    }

    /**
     * A message the server did not accept, with what it answered (or what broke). rejected: the
     * server answered with a refusal; otherwise the connection failed or broke.
     */
    public record Failure(int messageNumber, String reason, boolean rejected) {
    }

    /**
     * One batch: its start, the last 250, and every message's outcome. The accepted list is in no
     * particular order.
     */
    public record Result(long startNanos, long lastAcceptedNanos, List<Accepted> accepted, List<Failure> failures) {
        public double seconds() {
            return (lastAcceptedNanos - startNanos) / 1e9;
        }
    }

    private final Settings settings;

    public LoadGenerator(Settings settings) {
        this.settings = settings;
    }

    /** Sends messages 0..count-1 with Subject {@code tokenPrefix + n}; returns when every session is done. */
    public Result run(String tokenPrefix, int count) throws InterruptedException {
        return run(tokenPrefix, count, settings.ratePerSecond());
    }

    /** The same at another rate (0: unpaced), e.g. for a warm-up. */
    public Result run(String tokenPrefix, int count, double ratePerSecond) throws InterruptedException {
        return run(tokenPrefix, count, ratePerSecond, () -> true);
    }

    /**
     * The same until {@code keepSending} says false (or count messages were sent): no session starts
     * another message then, and the run returns once the messages under way are through (accepted,
     * refused or broken off). A crash test stops the load that way just before it kills the server,
     * so that what breaks is only what was in flight.
     */
    public Result run(String tokenPrefix, int count, double ratePerSecond, BooleanSupplier keepSending) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        ExecutorService sessions = Executors.newFixedThreadPool(settings.concurrency(), runnable -> {
            Thread thread = new Thread(runnable, "smtp-session");
            thread.setDaemon(true);
            return thread;
        });
        try {
            long start = System.nanoTime();
            List<Future<Outcomes>> workers = new ArrayList<>();
            for (int i = 0; i < settings.concurrency(); i++) {
                workers.add(sessions.submit(() -> sendUntilDone(next, tokenPrefix, count, start, ratePerSecond, keepSending)));
            }
            List<Accepted> accepted = new ArrayList<>(count);
            List<Failure> failures = new ArrayList<>();
            for (Future<Outcomes> worker : workers) {
                Outcomes outcomes = worker.get();
                accepted.addAll(outcomes.accepted);
                failures.addAll(outcomes.failures);
            }
            long last = accepted.stream().mapToLong(Accepted::acceptedAtNanos).max().orElse(start);
            return new Result(start, last, accepted, failures);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a session worker failed", e.getCause());
        } finally {
            sessions.shutdownNow();
        }
    }

    /** What one worker saw; kept per worker so the sessions share nothing but the counter. */
    private static final class Outcomes {
        final List<Accepted> accepted = new ArrayList<>();
        final List<Failure> failures = new ArrayList<>();
    }

    private Outcomes sendUntilDone(AtomicInteger next, String tokenPrefix, int count, long start, double ratePerSecond,
                                   BooleanSupplier keepSending) throws IOException, InterruptedException {
        Outcomes outcomes = new Outcomes();
        SmtpSession session = null;
        int sentInSession = 0;
        int n;
        while (keepSending.getAsBoolean() && (n = next.getAndIncrement()) < count) {
            if (ratePerSecond > 0) {
                long wait = start + (long) (n * 1e9 / ratePerSecond) - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                if (!keepSending.getAsBoolean()) {
                    break; // stopped while waiting for its turn: message n is never started
                }
            }
            String token = tokenPrefix + n;
            try {
                if (session == null) {
                    session = SmtpSession.open(settings.server(), settings.heloName(), settings.credentials());
                    sentInSession = 0;
                }
                session.send(settings.senders().addressFor(n), settings.recipients().addressFor(n), settings.mix().sampleFor(n).dataWithSubject(token));
                outcomes.accepted.add(new Accepted(token, n, System.nanoTime()));
                if (++sentInSession >= settings.messagesPerSession()) {
                    session.close();
                    session = null;
                }
            } catch (IOException e) {
                outcomes.failures.add(new Failure(n, e.getMessage(), e instanceof SmtpSession.SmtpRejection));
                // After a refusal or a broken connection, start the next message on a fresh session.
                if (session != null) {
                    session.close();
                    session = null;
                }
            }
        }
        if (session != null) {
            session.close();
        }
        return outcomes;
    }
}
