package org.helpdeskmail.testing.clamav;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real {@code clamd} (the Debian {@code clamav-daemon} package) started for a test, on
 * {@code 127.0.0.1} and a random free port, with a temporary configuration and a tiny signature
 * database the tests control; nothing is downloaded, {@code freshclam} never runs.
 *
 * <p>The database (clamd refuses to start with an empty one) has three signatures:
 * <ul>
 *     <li>{@value #EICAR_HASH_SIGNATURE}: the MD5 and size of the 68-byte EICAR test file ({@code .hdb});</li>
 *     <li>{@value #EICAR_BODY_SIGNATURE}: the body pattern {@code EICAR-STANDARD-ANTIVIRUS-TEST-FILE},
 *     in any file type ({@code .ndb}), so EICAR is also found inside a larger file;</li>
 *     <li>{@value #CUSTOM_SIGNATURE}: the body pattern {@link #customMarker()}, a signature of ours
 *     that no real database has, to prove that detections come from this database.</li>
 * </ul>
 * clamd reports them with the suffix {@code .UNOFFICIAL}, as it does for every database that is not
 * signed by Cisco-Talos (e.g. {@code Helpdesk.Test.Custom.UNOFFICIAL FOUND}).
 *
 * <p>clamd runs as the user running the tests: the configuration has no {@code User} line, so as
 * root (CI) clamd keeps root instead of switching to {@code clamav}, which could not read the
 * temporary directory, and as anybody else nothing has to be switched. It listens on loopback
 * only ({@code TCPAddr 127.0.0.1}); a unix socket in the temporary directory is added on request.
 *
 * <pre>{@code
 * try (ClamdDaemon clamd = ClamdDaemon.start()) {
 *     // zINSTREAM to 127.0.0.1:clamd.port() ...
 * }
 * }</pre>
 *
 * <p>Not thread-safe: one test thread starts, stops and restarts it; any thread may scan.
 */
public final class ClamdDaemon implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ClamdDaemon.class.getName());

    /** Names of our signatures, as written in the database (clamd adds {@code .UNOFFICIAL}). */
    public static final String EICAR_HASH_SIGNATURE = "Helpdesk.Test.EICAR.HDB";
    public static final String EICAR_BODY_SIGNATURE = "Helpdesk.Test.EICAR.NDB";
    public static final String CUSTOM_SIGNATURE = "Helpdesk.Test.Custom";
    /** The prefix shared by both EICAR signatures: which of them clamd reports first is its own business. */
    public static final String EICAR_SIGNATURE_PREFIX = "Helpdesk.Test.EICAR";

    /** Debian's path; {@code CLAMD} in the environment or the property {@code helpdesk.test.clamd} can name another. */
    private static final String DEFAULT_BINARY = "/usr/sbin/clamd";
    private static final InetAddress LOOPBACK = ipv4Loopback();
    /** Its start with our three signatures takes a fraction of a second; a busy CI machine can be far slower. */
    private static final int START_TIMEOUT_SECONDS = 60;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(START_TIMEOUT_SECONDS);
    private static final int STOP_TIMEOUT_SECONDS = 10;
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(STOP_TIMEOUT_SECONDS);
    private static final Duration PING_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
    /** Another process may take the free port between our probe and clamd's bind. */
    private static final int PORT_ATTEMPTS = 5;
    private static final Pattern SIZE = Pattern.compile("\\d+[KkMm]?");

    /**
     * What can differ between tests.
     *
     * @param streamMaxLength clamd's {@code StreamMaxLength}, e.g. {@code 1M}: INSTREAM data beyond it
     *                        is answered {@code INSTREAM size limit exceeded. ERROR}
     * @param localSocket     also listen on a unix socket, {@code clamd.sock} in the temporary directory
     */
    public record Options(String streamMaxLength, boolean localSocket) {
        public Options {
            if (!SIZE.matcher(streamMaxLength).matches()) {
                throw new IllegalArgumentException("StreamMaxLength is a number of bytes with an optional K or M, not '"
                    + streamMaxLength + "'");
            }
        }

        /** 1M: small enough that a test crosses it in a few milliseconds. */
        public static Options defaults() {
            return new Options("1M", false);
        }

        public Options withStreamMaxLength(String value) {
            return new Options(value, localSocket);
        }

        public Options withLocalSocket() {
            return new Options(streamMaxLength, true);
        }
    }

    private final Path directory;
    private final Path configuration;
    private final Path output;
    private final int port;
    private final Optional<Path> localSocket;
    /** Kills clamd if the test JVM exits without close(), so no daemon outlives the build. */
    private final Thread killAtExit;
    private volatile Process process;

    private ClamdDaemon(Path directory, Path configuration, int port, Optional<Path> localSocket) {
        this.directory = directory;
        this.configuration = configuration;
        this.output = directory.resolve("clamd.out");
        this.port = port;
        this.localSocket = localSocket;
        this.killAtExit = new Thread(() -> {
            Process running = process;
            if (running != null) {
                running.destroyForcibly();
            }
        }, "clamd-" + port + "-kill-at-exit");
    }

    /** Starts clamd with {@link Options#defaults()} and returns once it answers PING. */
    public static ClamdDaemon start() throws IOException {
        return start(Options.defaults());
    }

    /**
     * Starts clamd and returns once it answers {@code PING} with {@code PONG}.
     *
     * @throws IOException when clamd is not installed, exits or does not answer within
     *                     {@value #START_TIMEOUT_SECONDS} seconds; the message has the end of its log
     */
    public static ClamdDaemon start(Options options) throws IOException {
        Path binary = binary();
        Path directory = Files.createTempDirectory("helpdesk-clamd-");
        try {
            Path database = Files.createDirectory(directory.resolve("db"));
            Files.createDirectory(directory.resolve("tmp"));
            writeDatabase(database);
            IOException lastFailure = null;
            for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
                int port = freePort();
                Optional<Path> localSocket = options.localSocket() ? Optional.of(directory.resolve("clamd.sock")) : Optional.empty();
                Path configuration = directory.resolve("clamd.conf");
                Files.writeString(configuration, configuration(directory, port, localSocket, options));
                // A fresh log per attempt, so that a bind failure of the previous one is not read as this one's.
                Files.deleteIfExists(directory.resolve("clamd.out"));
                Files.deleteIfExists(directory.resolve("clamd.log"));
                ClamdDaemon daemon = new ClamdDaemon(directory, configuration, port, localSocket);
                try {
                    daemon.launch(binary);
                    Runtime.getRuntime().addShutdownHook(daemon.killAtExit);
                    return daemon;
                } catch (PortTakenException e) {
                    lastFailure = e;
                }
            }
            throw new IOException("clamd could not bind a free port in " + PORT_ATTEMPTS + " attempts", lastFailure);
        } catch (IOException | RuntimeException e) {
            deleteRecursively(directory);
            throw e;
        }
    }

    /** Whether the clamd binary is there, for a test that wants to say so before trying. */
    public static boolean installed() {
        return Files.isExecutable(configuredBinary());
    }

    /** The 68-byte EICAR anti-virus test file, assembled here so that no source file holds it whole (scanners flag those). */
    public static byte[] eicar() {
        String text = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-" + eicarBody() + "!$H+H*";
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** An ASCII string that {@value #CUSTOM_SIGNATURE} finds anywhere in a file, and that nothing else contains. */
    public static String customMarker() {
        // In two pieces, so that this source file does not itself match the signature when a checkout is scanned.
        return "HELPDESK-MAIL-CLAMD-TEST-MARKER-" + "3f9c1e27b6d4";
    }

    /** {@link #customMarker()} as bytes. */
    public static byte[] customMarkerBytes() {
        return customMarker().getBytes(StandardCharsets.US_ASCII);
    }

    public int port() {
        return port;
    }

    /** {@code 127.0.0.1:<port>}, the form clients are configured with. */
    public String address() {
        return LOOPBACK.getHostAddress() + ":" + port;
    }

    /** The unix socket, when {@link Options#localSocket()} asked for one. */
    public Optional<Path> localSocket() {
        return localSocket;
    }

    /** The temporary directory: configuration, database, log ({@code clamd.log}) and clamd's own output. */
    public Path directory() {
        return directory;
    }

    public boolean isRunning() {
        Process running = process;
        return running != null && running.isAlive();
    }

    /** Whether clamd answers {@code PING} now (over TCP). */
    public boolean ping() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(LOOPBACK, port), (int) PING_TIMEOUT.toMillis());
            socket.setSoTimeout((int) PING_TIMEOUT.toMillis());
            socket.getOutputStream().write("zPING\0".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return "PONG".equals(readReply(socket.getInputStream()));
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops clamd with SIGTERM (SIGKILL if it is still there after {@value #STOP_TIMEOUT_SECONDS} s): its port then refuses connections. */
    public void stop() {
        Process running = process;
        if (running == null) {
            return;
        }
        // Process.destroy() is SIGTERM on Unix: clamd removes its pid file and socket and exits.
        running.destroy();
        try {
            if (!running.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "clamd on port {0} ignored SIGTERM, killing it", port);
                running.destroyForcibly().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            running.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** Stops clamd and starts it again on the same port and database; returns once it answers PING. */
    public void restart() throws IOException {
        stop();
        launch(binary());
    }

    /** Stops clamd and deletes the temporary directory. */
    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(killAtExit);
        } catch (IllegalStateException | IllegalArgumentException alreadyExitingOrNeverStarted) {
            // Nothing to undo.
        }
        deleteRecursively(directory);
    }

    private void launch(Path binary) throws IOException {
        Files.deleteIfExists(directory.resolve("clamd.pid"));
        localSocket.ifPresent(socket -> {
            try {
                // clamd refuses to start when a stale socket file of a previous run is in the way.
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        process = new ProcessBuilder(binary.toString(), "--config-file=" + configuration)
            .directory(directory.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
            .start();
        // stdin is not read by clamd; closing it spares a pipe for the daemon's whole life.
        process.getOutputStream().close();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String log = logTail();
                process = null;
                if (log.contains("Cannot bind") && log.contains("Address already in use")) {
                    throw new PortTakenException("clamd could not bind 127.0.0.1:" + port + ":\n" + log);
                }
                throw new IOException("clamd exited at start:\n" + log);
            }
            if (ping()) {
                LOG.log(System.Logger.Level.DEBUG, "clamd answers on {0}", address());
                return;
            }
            sleep(POLL_INTERVAL);
        }
        stop();
        throw new IOException("clamd did not answer PING on " + address() + " within " + START_TIMEOUT.toSeconds() + " s:\n" + logTail());
    }

    private static String configuration(Path directory, int port, Optional<Path> localSocket, Options options) {
        List<String> lines = new ArrayList<>(List.of(
            "# Written by " + ClamdDaemon.class.getName() + " for one test run.",
            "Foreground yes",
            "TCPSocket " + port,
            "TCPAddr " + LOOPBACK.getHostAddress(),
            "DatabaseDirectory " + directory.resolve("db"),
            "TemporaryDirectory " + directory.resolve("tmp"),
            "PidFile " + directory.resolve("clamd.pid"),
            "LogFile " + directory.resolve("clamd.log"),
            "LogTime yes",
            "StreamMaxLength " + options.streamMaxLength(),
            // Enough for the concurrency tests; Debian's default of 12 only costs memory here.
            "MaxThreads 8",
            // The database never changes during a test; checking it would only cost time.
            "SelfCheck 0",
            "ScanMail yes",
            "ScanArchive yes"));
        localSocket.ifPresent(socket -> lines.add("LocalSocket " + socket));
        return String.join("\n", lines) + "\n";
    }

    private static void writeDatabase(Path database) throws IOException {
        byte[] eicar = eicar();
        Files.writeString(database.resolve("helpdesk-test.hdb"),
            md5(eicar) + ":" + eicar.length + ":" + EICAR_HASH_SIGNATURE + "\n", StandardCharsets.US_ASCII);
        // Target type 0: any file, the raw message as well as each part clamd's mail parser decodes.
        Files.writeString(database.resolve("helpdesk-test.ndb"),
            EICAR_BODY_SIGNATURE + ":0:*:" + hex("EICAR-" + eicarBody()) + "\n"
                + CUSTOM_SIGNATURE + ":0:*:" + hex(customMarker()) + "\n",
            StandardCharsets.US_ASCII);
    }

    /** The middle of the EICAR string, itself in pieces. */
    private static String eicarBody() {
        return String.join("-", "STANDARD", "ANTIVIRUS", "TEST", "FILE");
    }

    private static String hex(String ascii) {
        return HexFormat.of().formatHex(ascii.getBytes(StandardCharsets.US_ASCII));
    }

    private static String md5(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has MD5", e);
        }
    }

    /** A zINSTREAM/zPING reply: the bytes up to the NUL (or the end of the stream), at most 1 KiB. */
    private static String readReply(InputStream input) throws IOException {
        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        int b;
        while ((b = input.read()) > 0 && reply.size() < 1024) {
            reply.write(b);
        }
        return reply.toString(StandardCharsets.US_ASCII).strip();
    }

    private static Path binary() throws IOException {
        Path binary = configuredBinary();
        if (!Files.isExecutable(binary)) {
            throw new IOException(binary + " is not there: install the Debian package clamav-daemon (scripts/test does),"
                + " or set CLAMD to the clamd binary");
        }
        return binary;
    }

    private static Path configuredBinary() {
        String configured = System.getProperty("helpdesk.test.clamd", System.getenv("CLAMD"));
        return Path.of(configured == null || configured.isBlank() ? DEFAULT_BINARY : configured);
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, LOOPBACK)) {
            return probe.getLocalPort();
        }
    }

    private String logTail() {
        StringBuilder tail = new StringBuilder();
        for (Path file : List.of(output, directory.resolve("clamd.log"))) {
            try {
                if (Files.exists(file)) {
                    List<String> lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
                    lines.subList(Math.max(0, lines.size() - 15), lines.size()).forEach(line -> tail.append(line).append('\n'));
                }
            } catch (IOException e) {
                tail.append("(").append(file).append(": ").append(e.getMessage()).append(")\n");
            }
        }
        return tail.toString();
    }

    private static void sleep(Duration duration) throws IOException {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for clamd", e);
        }
    }

    private static void deleteRecursively(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "could not delete {0}: {1}", path, e.getMessage());
                }
            });
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not delete {0}: {1}", directory, e.getMessage());
        }
    }

    private static InetAddress ipv4Loopback() {
        try {
            return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** clamd lost the race for its port: try another. */
    private static final class PortTakenException extends IOException {
        PortTakenException(String message) {
            super(message);
        }
    }
}
