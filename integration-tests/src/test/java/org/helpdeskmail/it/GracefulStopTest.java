package org.helpdeskmail.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SIGTERM (docker stop, Ctrl-C) stops the server gracefully: new connections get 421 4.3.2, an open
 * transaction may finish, the process exits 0 within Docker's 10 seconds, and a start on the same
 * var/ delivers every acknowledged message exactly once.
 */
class GracefulStopTest {
    private static final String RECIPIENT = "support@acme.helpdesk.localhost";
    private static final Duration DOCKER_STOP_TIMEOUT = Duration.ofSeconds(10);
    private final WebhookReceiver receiver = new WebhookReceiver();

    @RegisterExtension
    final HelpdeskServerExtension server = HelpdeskServerExtension.builder()
        .environment("HELPDESK_WEBHOOK_URL", receiver.url())
        .build();

    @AfterEach
    void stopReceiver() {
        receiver.close();
    }

    private Map<String, Long> postsBySubject() {
        return receiver.requests().stream().filter(request -> request.answeredStatus() == 200)
            .collect(Collectors.groupingBy(request -> request.json().path("subject").asText(), Collectors.counting()));
    }

    private String logSinceStop() throws IOException {
        String log = server.log();
        int stop = log.indexOf("SIGTERM: stopping");
        assertThat(stop).as("the stop is logged").isNotNegative();
        return log.substring(stop);
    }

    @Test
    void sigtermUnderLoadExitsZeroInTimeAndAStartDeliversEveryAcknowledgedMessageOnce() throws Exception {
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicBoolean sending = new AtomicBoolean(true);
        ExecutorService senders = Executors.newFixedThreadPool(3);
        for (int sender = 0; sender < 3; sender++) {
            int id = sender;
            senders.submit(() -> send(id, sending, acknowledged));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= 30);

        long start = System.nanoTime();
        int exit = server.terminate(DOCKER_STOP_TIMEOUT);
        Duration stopping = Duration.ofNanos(System.nanoTime() - start);
        sending.set(false);
        senders.shutdown();
        assertThat(senders.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

        assertThat(exit).as("exit code after SIGTERM").isZero();
        assertThat(stopping).isLessThan(DOCKER_STOP_TIMEOUT);
        assertThat(logSinceStop()).doesNotContain(" ERROR ");

        server.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> postsBySubject().keySet().containsAll(acknowledged));
        Thread.sleep(3000);
        Map<String, Long> posts = postsBySubject();
        assertThat(acknowledged).allSatisfy(subject -> assertThat(posts.get(subject)).as(subject + " POSTed").isEqualTo(1L));
    }

    /** Messages over one session after another until told to stop; the subjects the server acknowledged. */
    private void send(int sender, AtomicBoolean sending, Set<String> acknowledged) {
        int message = 0;
        while (sending.get()) {
            try (SmtpClient client = SmtpClient.connect(server.ports().mx())) {
                if (client.greeting().code() != 220) {
                    continue;
                }
                client.ehlo("client.example.org");
                for (int inSession = 0; inSession < 5 && sending.get(); inSession++) {
                    String subject = "load " + sender + "-" + message++;
                    if (client.mailFrom("someone@example.org").code() != 250 || client.rcptTo(RECIPIENT).code() != 250) {
                        break;
                    }
                    if (client.data("Subject: " + subject + "\r\n\r\nmessage " + subject + "\r\n").code() == 250) {
                        acknowledged.add(subject);
                    }
                }
                client.command("QUIT");
            } catch (IOException refusedOrClosed) {
                // the server is stopping: a message without its 250 is not acknowledged, the sender keeps it
            }
        }
    }

    @Test
    void aNewConnectionDuringTheStopGets421WhileAnOpenTransactionFinishes() throws Exception {
        SmtpClient inData = SmtpClient.connect(server.ports().mx());
        inData.ehlo("client.example.org");
        assertThat(inData.mailFrom("someone@example.org").code()).isEqualTo(250);
        assertThat(inData.rcptTo(RECIPIENT).code()).isEqualTo(250);
        assertThat(inData.command("DATA").code()).isEqualTo(354);
        inData.write("Subject: finishing during the stop\r\n\r\nfirst half");

        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(uncheckedTerminate());
        await().atMost(Duration.ofSeconds(5)).until(() -> server.log().contains("SIGTERM: stopping"));
        try (SmtpClient late = SmtpClient.connect(server.ports().mx())) {
            assertThat(late.greeting().code()).as(late.greeting().toString()).isEqualTo(421);
            assertThat(late.greeting().enhancedStatus()).isEqualTo("4.3.2");
        }
        inData.write(", second half\r\n.\r\n");
        SmtpClient.Reply accepted = inData.reply();
        assertThat(accepted.code()).as(accepted.toString()).isEqualTo(250);
        assertThat(inData.command("QUIT").code()).isEqualTo(221);
        inData.close();

        assertThat(exit.get(15, TimeUnit.SECONDS)).isZero();
        server.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> postsBySubject().containsKey("finishing during the stop"));
        Thread.sleep(2000);
        assertThat(postsBySubject()).containsEntry("finishing during the stop", 1L);
    }

    private Supplier<Integer> uncheckedTerminate() {
        return () -> {
            try {
                return server.terminate(DOCKER_STOP_TIMEOUT);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        };
    }
}
