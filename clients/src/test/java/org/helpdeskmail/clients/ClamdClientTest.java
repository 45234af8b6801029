package org.helpdeskmail.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import org.helpdeskmail.clients.ClamdClient.Status;
import org.helpdeskmail.clients.ClamdClient.Verdict;
import org.helpdeskmail.testing.clamav.ClamdDaemon;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Against a real clamd (StreamMaxLength 1M) with our small signature database. */
class ClamdClientTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static ClamdDaemon clamd;

    @BeforeAll
    static void start() throws IOException {
        clamd = ClamdDaemon.start();
    }

    @AfterAll
    static void close() {
        if (clamd != null) {
            clamd.close();
        }
    }

    private static ClamdClient client() {
        return new ClamdClient(clamd.address(), TIMEOUT, TIMEOUT, 4);
    }

    private static Verdict scan(byte[] content) {
        return client().scan(new ByteArrayInputStream(content));
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static void assertInfected(Verdict verdict, String signaturePrefix) {
        assertThat(verdict.status()).as(verdict.detail()).isEqualTo(Status.INFECTED);
        assertThat(verdict.signature()).hasValueSatisfying(name -> assertThat(name).startsWith(signaturePrefix).endsWith(".UNOFFICIAL"));
    }

    /** {@code size} bytes of printable filler, made as they are read: never in memory. */
    private static final class GeneratedStream extends InputStream {
        private final long size;
        private final AtomicLong read = new AtomicLong();

        GeneratedStream(long size) {
            this.size = size;
        }

        @Override
        public int read() {
            if (read.get() >= size) {
                return -1;
            }
            return 'a' + (int) (read.getAndIncrement() % 26);
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            long remaining = size - read.get();
            if (remaining <= 0) {
                return -1;
            }
            int count = (int) Math.min(length, remaining);
            for (int i = 0; i < count; i++) {
                buffer[offset + i] = (byte) ('a' + (int) ((read.get() + i) % 26));
            }
            read.addAndGet(count);
            return count;
        }

        long bytesRead() {
            return read.get();
        }
    }

    @Test
    void cleanContentIsClean() {
        Verdict verdict = scan(ascii("Subject: printer\r\n\r\nMy printer is on fire again.\r\n"));

        assertThat(verdict).isEqualTo(new Verdict(Status.CLEAN, Optional.empty(), "stream: OK"));
    }

    @Test
    void emptyContentIsClean() {
        assertThat(scan(new byte[0]).status()).isEqualTo(Status.CLEAN);
    }

    @Test
    void findsEicar() {
        assertInfected(scan(ClamdDaemon.eicar()), ClamdDaemon.EICAR_SIGNATURE_PREFIX);
    }

    @Test
    void findsTheCustomSignatureAcrossAChunkBoundary() {
        // The marker straddles the first 64 KiB chunk and the second: clamd sees one stream, not chunks.
        byte[] marker = ClamdDaemon.customMarkerBytes();
        byte[] content = new byte[ClamdClient.CHUNK_SIZE * 2 + 100];
        java.util.Arrays.fill(content, (byte) 'x');
        System.arraycopy(marker, 0, content, ClamdClient.CHUNK_SIZE - marker.length / 2, marker.length);

        Verdict verdict = scan(content);

        assertInfected(verdict, ClamdDaemon.CUSTOM_SIGNATURE);
        assertThat(verdict.signature()).hasValue(ClamdDaemon.CUSTOM_SIGNATURE + ".UNOFFICIAL");
        assertThat(verdict.detail()).isEqualTo("stream: " + ClamdDaemon.CUSTOM_SIGNATURE + ".UNOFFICIAL FOUND");
    }

    @Test
    void contentOfExactlyOneChunkIsScanned() {
        byte[] content = new byte[ClamdClient.CHUNK_SIZE];
        java.util.Arrays.fill(content, (byte) 'y');
        byte[] marker = ClamdDaemon.customMarkerBytes();
        System.arraycopy(marker, 0, content, content.length - marker.length, marker.length);

        assertInfected(scan(content), ClamdDaemon.CUSTOM_SIGNATURE);
    }

    @Test
    void findsEicarInsideAZip() throws IOException {
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        try (ZipOutputStream entries = new ZipOutputStream(zip)) {
            entries.putNextEntry(new ZipEntry("readme.txt"));
            entries.write(ascii("nothing to see here\n"));
            entries.closeEntry();
            entries.putNextEntry(new ZipEntry("invoice/eicar.com"));
            entries.write(ClamdDaemon.eicar());
            entries.closeEntry();
        }
        byte[] compressed = zip.toByteArray();
        assertThat(new String(compressed, StandardCharsets.ISO_8859_1)).as("the zip hides the string")
            .doesNotContain("ANTIVIRUS-TEST-FILE");

        assertInfected(scan(compressed), ClamdDaemon.EICAR_SIGNATURE_PREFIX);
    }

    @Test
    void contentLongerThanStreamMaxLengthIsSizeLimitWithoutReadingItAll() {
        GeneratedStream huge = new GeneratedStream(200L * 1024 * 1024);
        long started = System.nanoTime();

        Verdict verdict = client().scan(huge);

        assertThat(verdict.status()).as(verdict.detail()).isEqualTo(Status.SIZE_LIMIT);
        assertThat(verdict.signature()).isEmpty();
        assertThat(verdict.detail()).isEqualTo("INSTREAM size limit exceeded. ERROR");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(TIMEOUT);
        // clamd answered at 1M; the client stopped sending soon after (what the socket buffers held, at most).
        assertThat(huge.bytesRead()).isLessThan(32L * 1024 * 1024);
    }

    @Test
    void contentJustUnderStreamMaxLengthIsScanned() {
        GeneratedStream content = new GeneratedStream(1024 * 1024 - 1);

        assertThat(client().scan(content).status()).isEqualTo(Status.CLEAN);
        assertThat(content.bytesRead()).isEqualTo(1024 * 1024 - 1);
    }

    @Test
    void scansOverTheUnixSocket() throws IOException {
        try (ClamdDaemon withSocket = ClamdDaemon.start(ClamdDaemon.Options.defaults().withLocalSocket())) {
            String path = withSocket.localSocket().orElseThrow().toString();
            ClamdClient client = new ClamdClient(path, TIMEOUT, TIMEOUT, 2);

            assertThat(client.ping()).isTrue();
            assertInfected(client.scan(new ByteArrayInputStream(ClamdDaemon.eicar())), ClamdDaemon.EICAR_SIGNATURE_PREFIX);
            assertThat(client.scan(new ByteArrayInputStream(ascii("hello"))).status()).isEqualTo(Status.CLEAN);
        }
    }

    @Test
    void aStoppedClamdIsAnErrorAtOnce() throws IOException {
        try (ClamdDaemon own = ClamdDaemon.start()) {
            ClamdClient client = new ClamdClient(own.address(), TIMEOUT, TIMEOUT, 2);
            assertThat(client.ping()).isTrue();
            own.stop();
            long started = System.nanoTime();

            Verdict verdict = client.scan(new ByteArrayInputStream(ascii("hello")));

            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
            assertThat(verdict.status()).isEqualTo(Status.ERROR);
            assertThat(verdict.signature()).isEmpty();
            assertThat(verdict.detail()).contains(own.address()).containsIgnoringCase("refused");
            assertThat(client.ping()).isFalse();

            own.restart();
            assertThat(client.scan(new ByteArrayInputStream(ClamdDaemon.eicar())).status()).as("back after a restart")
                .isEqualTo(Status.INFECTED);
        }
    }

    @Test
    void aMissingUnixSocketIsAnError() {
        ClamdClient client = new ClamdClient("/nonexistent/clamd.ctl", TIMEOUT, TIMEOUT, 1);

        Verdict verdict = client.scan(new ByteArrayInputStream(ascii("hello")));

        assertThat(verdict.status()).isEqualTo(Status.ERROR);
        assertThat(verdict.detail()).contains("/nonexistent/clamd.ctl");
    }

    @Test
    void aClamdThatNeverAnswersTimesOut() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            List<Socket> accepted = new CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept());
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            ClamdClient client = new ClamdClient("127.0.0.1:" + silent.getLocalPort(), TIMEOUT, Duration.ofMillis(500), 1);
            long started = System.nanoTime();

            Verdict verdict = client.scan(new ByteArrayInputStream(ascii("hello")));

            Duration took = Duration.ofNanos(System.nanoTime() - started);
            assertThat(verdict.status()).isEqualTo(Status.ERROR);
            assertThat(verdict.detail()).contains("timed out after 500 ms waiting for clamd's reply");
            assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(450)).isLessThan(Duration.ofSeconds(3));
            assertThat(client.ping()).isFalse();
            for (Socket socket : accepted) {
                socket.close();
            }
        }
    }

    @Test
    void aClamdThatStopsReadingTimesOutWhileSending() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            ExecutorService acceptor = Executors.newSingleThreadExecutor();
            Future<Socket> accepted = acceptor.submit(() -> silent.accept());
            ClamdClient client = new ClamdClient("127.0.0.1:" + silent.getLocalPort(), TIMEOUT, Duration.ofMillis(500), 1);

            // Far more than the socket buffers hold: the writes stall.
            Verdict verdict = client.scan(new GeneratedStream(256L * 1024 * 1024));

            assertThat(verdict.status()).isEqualTo(Status.ERROR);
            assertThat(verdict.detail()).contains("timed out after 500 ms sending to clamd");
            accepted.get(5, TimeUnit.SECONDS).close();
            acceptor.shutdownNow();
        }
    }

    @Test
    void aScanWaitingLongerThanTheTimeoutForAConnectionIsAnError() throws Exception {
        ClamdClient client = new ClamdClient(clamd.address(), TIMEOUT, Duration.ofMillis(800), 1);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch reading = new CountDownLatch(1);
        // Holds the only connection while its content is slow to come (a message read from a slow disk).
        InputStream slow = new InputStream() {
            @Override
            public int read() throws IOException {
                reading.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                return -1;
            }
        };
        ExecutorService first = Executors.newSingleThreadExecutor();
        try {
            Future<Verdict> holding = first.submit(() -> client.scan(slow));
            assertThat(reading.await(5, TimeUnit.SECONDS)).isTrue();
            long started = System.nanoTime();

            Verdict waiting = client.scan(new ByteArrayInputStream(ascii("second")));

            assertThat(waiting.status()).isEqualTo(Status.ERROR);
            assertThat(waiting.detail()).contains("no clamd connection free within 800 ms").contains("all 1 busy");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(750));
            release.countDown();
            assertThat(holding.get(5, TimeUnit.SECONDS).status()).isEqualTo(Status.CLEAN);
            assertThat(client.scan(new ByteArrayInputStream(ascii("third"))).status()).as("the connection is free again")
                .isEqualTo(Status.CLEAN);
        } finally {
            release.countDown();
            first.shutdownNow();
        }
    }

    @Test
    void concurrentScansBeyondTheBudgetWaitTheirTurn() throws Exception {
        ClamdClient client = new ClamdClient(clamd.address(), TIMEOUT, TIMEOUT, 2);
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try {
            List<Future<Verdict>> verdicts = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                byte[] content = i % 3 == 0 ? ClamdDaemon.eicar() : ascii("message number " + i);
                verdicts.add(callers.submit(() -> client.scan(new ByteArrayInputStream(content))));
            }
            for (int i = 0; i < verdicts.size(); i++) {
                assertThat(verdicts.get(i).get(30, TimeUnit.SECONDS).status()).as("scan " + i)
                    .isEqualTo(i % 3 == 0 ? Status.INFECTED : Status.CLEAN);
            }
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void aContentThatCannotBeReadIsAnErrorThatSaysSo() {
        InputStream broken = new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("disk on fire");
            }
        };

        Verdict verdict = client().scan(broken);

        assertThat(verdict.status()).isEqualTo(Status.ERROR);
        assertThat(verdict.detail()).startsWith("could not read the content to scan").contains("disk on fire");
    }

    @Test
    void pingsClamd() {
        assertThat(client().ping()).isTrue();
    }

    @Test
    void parsesClamdReplies() {
        assertThat(ClamdClient.parse("stream: OK")).isEqualTo(new Verdict(Status.CLEAN, Optional.empty(), "stream: OK"));
        assertThat(ClamdClient.parse("stream: Win.Test.EICAR_HDB-1 FOUND"))
            .isEqualTo(new Verdict(Status.INFECTED, Optional.of("Win.Test.EICAR_HDB-1"), "stream: Win.Test.EICAR_HDB-1 FOUND"));
        assertThat(ClamdClient.parse("INSTREAM size limit exceeded. ERROR").status()).isEqualTo(Status.SIZE_LIMIT);
        Verdict error = ClamdClient.parse("Can't allocate memory ERROR");
        assertThat(error.status()).isEqualTo(Status.ERROR);
        assertThat(error.detail()).isEqualTo("clamd: Can't allocate memory ERROR");
        assertThat(ClamdClient.parse("HTTP/1.1 400 Bad Request").detail()).startsWith("unexpected reply from clamd");
        assertThat(ClamdClient.parse("stream:  FOUND").status()).isEqualTo(Status.ERROR);
    }

    @Test
    void parsesAddresses() {
        assertThat(ClamdClient.parseAddress("127.0.0.1:3310")).isEqualTo(InetSocketAddress.createUnresolved("127.0.0.1", 3310));
        assertThat(ClamdClient.parseAddress(" clamav:3310 ")).isEqualTo(InetSocketAddress.createUnresolved("clamav", 3310));
        assertThat(ClamdClient.parseAddress("[::1]:3310")).isEqualTo(InetSocketAddress.createUnresolved("::1", 3310));
        assertThat(ClamdClient.parseAddress("/run/clamav/clamd.ctl")).isEqualTo(UnixDomainSocketAddress.of("/run/clamav/clamd.ctl"));
        for (String bad : List.of("", "clamav", "clamav:", ":3310", "clamav:port", "clamav:0", "clamav:70000", "::1:3310", "run/clamd.ctl")) {
            assertThatThrownBy(() -> ClamdClient.parseAddress(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void refusesNonsenseSettings() {
        assertThatThrownBy(() -> new ClamdClient("127.0.0.1:3310", Duration.ZERO, TIMEOUT, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ClamdClient("127.0.0.1:3310", TIMEOUT, TIMEOUT, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
