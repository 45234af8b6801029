package org.helpdeskmail.server.smtp;

import java.time.Duration;
import java.util.List;

import javax.inject.Inject;
import javax.inject.Provider;

import org.apache.james.utils.GuiceProbe;

/**
 * The SMTP listeners of this process, for the graceful stop: refuse new connections, give the open
 * ones time to finish their transactions, then close what is left with 421.
 */
public class SmtpListeners implements GuiceProbe {
    // A provider: the probes are made early in the start, before the listeners may be.
    private final Provider<HelpdeskSmtpServerFactory> factory;

    @Inject
    public SmtpListeners(Provider<HelpdeskSmtpServerFactory> factory) {
        this.factory = factory;
    }

    private List<HelpdeskSmtpServer> listeners() {
        return factory.get().getServers().stream()
            .filter(HelpdeskSmtpServer.class::isInstance)
            .map(HelpdeskSmtpServer.class::cast)
            .toList();
    }

    /** Waits at most {@code grace} for the clients to leave; returns how many were still there, closed with 421. */
    public int drain(Duration grace) throws InterruptedException {
        List<HelpdeskSmtpServer> listeners = listeners();
        listeners.forEach(HelpdeskSmtpServer::refuseNewConnections);
        long deadline = System.nanoTime() + grace.toNanos();
        while (open(listeners) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        int remaining = open(listeners);
        if (remaining > 0) {
            listeners.forEach(HelpdeskSmtpServer::closeClients);
            long closeDeadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
            while (open(listeners) > 0 && System.nanoTime() < closeDeadline) {
                Thread.sleep(20);
            }
        }
        return remaining;
    }

    private static int open(List<HelpdeskSmtpServer> listeners) {
        return listeners.stream().mapToInt(HelpdeskSmtpServer::openConnections).sum();
    }
}
