package org.helpdeskmail.mailets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.james.metrics.tests.RecordingMetricFactory;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailContext;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AutoReplyLoopBreakerTest {
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-28T10:00:00Z"));
    private final Clock clock = new Clock() {
        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };
    private RecordingMetricFactory metrics;
    private FakeMailContext context;
    private AutoReplyLoopBreaker breaker;

    @BeforeEach
    void setUp() throws MessagingException {
        metrics = new RecordingMetricFactory();
        context = FakeMailContext.defaultContext();
        breaker = new AutoReplyLoopBreaker(metrics, clock);
        breaker.init(FakeMailetConfig.builder().mailetName("loop").mailetContext(context)
            .setProperty("maxAutoReplies", "2").setProperty("window", "10 minutes").setProperty("processor", "loop-suppressed").build());
    }

    private Mail autoReply(String sender, String... recipients) throws MessagingException {
        return FakeMail.builder().name("m" + System.nanoTime()).sender(sender).recipients(recipients).build();
    }

    @Test
    void letsTheFirstRepliesThroughThenSuppressesPerSenderAndMailbox() throws Exception {
        for (int i = 0; i < 2; i++) {
            Mail mail = autoReply("robot@other-helpdesk.example", "support@acme.jitbit.com");
            breaker.service(mail);
            assertThat(mail.getState()).isNotEqualTo(Mail.GHOST);
        }
        Mail third = autoReply("robot@other-helpdesk.example", "support@acme.jitbit.com", "sales@acme.jitbit.com");
        breaker.service(third);

        assertThat(third.getRecipients()).containsExactly(new MailAddress("sales@acme.jitbit.com"));
        assertThat(context.getSentMails()).hasSize(1);
        assertThat(context.getSentMails().get(0).getRecipients()).containsExactly(new MailAddress("support@acme.jitbit.com"));
        assertThat(context.getSentMails().get(0).getState()).isEqualTo("loop-suppressed");
        assertThat(metrics.countFor(AutoReplyLoopBreaker.METRIC)).isEqualTo(1);

        Mail fromSomeoneElse = autoReply("robot@third.example", "support@acme.jitbit.com");
        breaker.service(fromSomeoneElse);
        assertThat(fromSomeoneElse.getRecipients()).hasSize(1);
    }

    @Test
    void forgetsRepliesOlderThanTheWindow() throws Exception {
        for (int i = 0; i < 3; i++) {
            breaker.service(autoReply("robot@other.example", "support@acme.jitbit.com"));
        }
        now.set(now.get().plus(Duration.ofMinutes(11)));
        Mail later = autoReply("robot@other.example", "support@acme.jitbit.com");
        breaker.service(later);

        assertThat(later.getState()).isNotEqualTo(Mail.GHOST);
        assertThat(later.getRecipients()).hasSize(1);
    }

    @Test
    void wholeMailSuppressedLeavesTheProcessor() throws Exception {
        for (int i = 0; i < 2; i++) {
            breaker.service(autoReply("robot@other.example", "support@acme.jitbit.com"));
        }
        Mail third = autoReply("robot@other.example", "support@acme.jitbit.com");
        breaker.service(third);

        assertThat(third.getState()).isEqualTo(Mail.GHOST);
    }

    @Test
    void badConfigurationNamesTheParameter() {
        AutoReplyLoopBreaker other = new AutoReplyLoopBreaker(metrics, clock);
        assertThatThrownBy(() -> other.init(FakeMailetConfig.builder().mailetName("loop").mailetContext(context)
            .setProperty("maxAutoReplies", "five").setProperty("processor", "x").build()))
            .hasMessageContaining("<maxAutoReplies>");
        assertThatThrownBy(() -> other.init(FakeMailetConfig.builder().mailetName("loop").mailetContext(context).build()))
            .hasMessageContaining("<processor>");
    }
}
