package org.helpdeskmail.server;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.james.GuiceJamesServer;
import org.helpdeskmail.server.modules.SpoolActivity;
import org.helpdeskmail.server.smtp.SmtpListeners;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import reactor.core.publisher.Hooks;
import sun.misc.Signal;

/**
 * SIGTERM (what {@code docker stop} and systemd send) and SIGINT (Ctrl-C) stop the server the way
 * an MTA should: new connections get {@code 421 4.3.2}, clients in a transaction get {@code grace}
 * to finish it (what they do not finish was never acknowledged, so their sender retries), then the
 * mailet container, the queue and the stores stop, and the process exits 0 (not 143) well within
 * Docker's 10 seconds.
 */
final class GracefulStop {
    private static final Logger LOGGER = LoggerFactory.getLogger(GracefulStop.class);
    private static final Duration GRACE = Duration.ofSeconds(3);
    private static final Duration SPOOL_GRACE = Duration.ofSeconds(2);

    private final GuiceJamesServer server;
    private final AtomicBoolean stopped = new AtomicBoolean();

    private GracefulStop(GuiceJamesServer server) {
        this.server = server;
    }

    static void install(GuiceJamesServer server) {
        GracefulStop stop = new GracefulStop(server);
        Signal.handle(new Signal("TERM"), signal -> stop.stopAndExit("SIGTERM"));
        Signal.handle(new Signal("INT"), signal -> stop.stopAndExit("SIGINT"));
        // Any other way the JVM ends (System.exit elsewhere, the last thread ending) still stops cleanly.
        Runtime.getRuntime().addShutdownHook(new Thread(stop::stop, "helpdesk-mail-shutdown"));
    }

    private void stopAndExit(String signal) {
        LOGGER.info("{}: stopping (new connections get 421 4.3.2, open ones have {} to finish)", signal, GRACE);
        stop();
        System.exit(0);
    }

    private void stop() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        long start = System.nanoTime();
        try {
            int closed = server.getProbe(SmtpListeners.class).drain(GRACE);
            if (closed > 0) {
                LOGGER.info("Closed {} SMTP connection(s) still open after {} with 421 4.3.2", closed, GRACE);
            }
            server.getProbe(SpoolActivity.class).awaitIdle(SPOOL_GRACE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOGGER.warn("SMTP listeners could not be drained: {}", e.toString());
        }
        // James's spooler stops by interrupting its idle queue consumer; the interrupted receive then
        // reaches Reactor after the subscription is cancelled, which would log it as an ERROR.
        Hooks.onErrorDropped(error -> LOGGER.debug("While stopping: {}", error.toString()));
        server.stop();
        LOGGER.info("helpdesk-mail stopped in {} ms", Duration.ofNanos(System.nanoTime() - start).toMillis());
    }
}
