package org.helpdeskmail.mailets.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import javax.mail.internet.AddressException;

import org.apache.james.core.MailAddress;
import org.apache.mailet.base.test.FakeMailContext;
import org.helpdeskmail.clients.HelpdeskSettings;
import org.helpdeskmail.testing.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

/** Against a real HTTP receiver on loopback that answers the status the test chooses. */
class DeliveryEventsTest {
    private final AtomicInteger status = new AtomicInteger(200);
    private final AtomicInteger posts = new AtomicInteger();
    private final FakeMailContext context = FakeMailContext.builder().postmaster(postmaster()).build();
    private final ManualClock clock = new ManualClock(Instant.parse("2026-11-28T10:00:00Z"));
    private HttpServer receiver;
    private DeliveryEvents events;

    @BeforeEach
    void start() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
        receiver.createContext("/events", exchange -> {
            posts.incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(status.get(), -1);
            exchange.close();
        });
        receiver.start();
        HelpdeskSettings settings = new HelpdeskSettings(List.of("helpdesk.example"), URI.create("http://127.0.0.1:9/inbound"),
            Optional.of("events-test-secret-0123456789"), Optional.of(URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/events")),
            Optional.empty(), Optional.empty(), Optional.empty(), Duration.ofMinutes(5));
        events = new DeliveryEvents(settings, clock, context, DeliveryEvents.DEFAULT_PROCESSOR);
    }

    @AfterEach
    void stop() {
        events.close();
        receiver.stop(0);
    }

    private static MailAddress postmaster() {
        try {
            return new MailAddress("postmaster@helpdesk.example");
        } catch (AddressException e) {
            throw new IllegalStateException(e);
        }
    }

    private static DeliveryEvent event(String recipient) {
        return DeliveryEvent.suppressed(Optional.of("<m@helpdesk.example>"), recipient, "test", Instant.parse("2026-11-28T10:00:00Z"));
    }

    @Test
    void anEventTheAppTakesIsNotQueued() throws Exception {
        events.publish(event("ann@example.net"));

        assertThat(posts).hasValue(1);
        assertThat(context.getSentMails()).isEmpty();
    }

    @Test
    void afterAFailedPostEventsGoStraightToTheQueueForAWhile() throws Exception {
        status.set(503);
        events.publish(event("ann@example.net"));
        status.set(200);
        events.publish(event("bob@example.net"));

        assertThat(posts).as("the second event is not posted while the app is failing").hasValue(1);
        assertThat(context.getSentMails()).hasSize(2).allSatisfy(sent -> assertThat(sent.getState()).isEqualTo(DeliveryEvents.DEFAULT_PROCESSOR));

        clock.advance(Duration.ofSeconds(DeliveryEvents.PAUSE_SECONDS));
        events.publish(event("carol@example.net"));
        assertThat(posts).hasValue(2);
        assertThat(context.getSentMails()).hasSize(2);
    }
}
