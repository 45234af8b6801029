package org.helpdeskmail.server.modules;

import java.time.Duration;

import javax.inject.Inject;
import javax.inject.Provider;

import org.apache.james.mailetcontainer.impl.JamesMailSpooler;
import org.apache.james.utils.GuiceProbe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the mailet container is busy, for the graceful stop. James's spooler stops by interrupting
 * its queue consumer, which tears down the JMS connection that the mails being processed must commit
 * on: a mail in the middle of a mailet then fails, is rolled back and is processed again after the
 * restart (a second POST of the same message). Waiting until no mail has been in flight for a moment
 * (the SMTP listeners take no more mail by then) avoids that in the ordinary case; what is still in
 * flight at the deadline is processed again after the restart, never lost.
 */
public class SpoolActivity implements GuiceProbe {
    private static final Logger LOGGER = LoggerFactory.getLogger(SpoolActivity.class);
    private static final Duration POLL = Duration.ofMillis(20);
    private static final int QUIET_POLLS = 5;

    // A provider: the probes are made early in the start, before the mailet container may be.
    private final Provider<JamesMailSpooler> spoolerProvider;

    @Inject
    public SpoolActivity(Provider<JamesMailSpooler> spoolerProvider) {
        this.spoolerProvider = spoolerProvider;
    }

    /** Waits at most {@code limit} until no mail has been in flight for {@code QUIET_POLLS} polls; true when so. */
    public boolean awaitIdle(Duration limit) throws InterruptedException {
        JamesMailSpooler spooler = spoolerProvider.get();
        long deadline = System.nanoTime() + limit.toNanos();
        int quiet = 0;
        while (System.nanoTime() < deadline) {
            quiet = spooler.getCurrentSpoolCount() == 0 ? quiet + 1 : 0;
            if (quiet >= QUIET_POLLS) {
                return true;
            }
            Thread.sleep(POLL.toMillis());
        }
        LOGGER.info("Spool still busy after {}: {} mail(s) in flight will be processed again after the restart",
            limit, spooler.getCurrentSpoolCount());
        return false;
    }
}
