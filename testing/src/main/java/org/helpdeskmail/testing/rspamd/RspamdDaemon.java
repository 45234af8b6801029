package org.helpdeskmail.testing.rspamd;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real rspamd for tests: the Debian package's {@code rspamd} with the offline configuration of
 * {@code src/main/resources/rspamd/} (network modules off, loopback only, DNS to 127.0.0.1:53), its
 * normal worker and controller on random 127.0.0.1 ports, and its run, database and log
 * directories in a temporary directory deleted by {@link #close()}.
 *
 * <pre>{@code
 * try (RspamdDaemon rspamd = RspamdDaemon.start()) {
 *     URI checkv2 = rspamd.url().resolve("/checkv2");   // http://127.0.0.1:<port()>/checkv2
 *     ...
 *     rspamd.stop();      // connections are refused until restart()
 *     rspamd.restart();   // same ports again
 * }
 * }</pre>
 *
 * <p>What the configuration adds for tests (all keyed on the Subject, so no other mail is touched):
 * <ul>
 *     <li>{@code HELPDESK-TEST-ADD-HEADER}: symbol {@code HELPDESK_TEST_ADD_HEADER}, score 7, action "add header";</li>
 *     <li>{@code HELPDESK-TEST-SOFT-REJECT}: forced action "soft reject";</li>
 *     <li>{@code HELPDESK-TEST-REWRITE-SUBJECT}: forced action "rewrite subject".</li>
 * </ul>
 * rspamd's built-in GTUBE rule answers "reject" for a body with {@link #GTUBE}.
 *
 * <p>As root, rspamd refuses to run its workers as root: they run as {@code _rspamd} (the Debian
 * package's user) and the temporary directories are given to it; without that user, with
 * {@code --insecure}. As any other user, rspamd runs as that user.
 *
 * <p>The first start on a machine compiles the Hyperscan regexp cache (about 15 s); the cache is kept
 * in {@code <java.io.tmpdir>/helpdesk-rspamd-hyperscan-<uid>} for the next starts (about 1 s).
 *
 * <p>The binary is {@code rspamd} from the {@code PATH} (or {@code /usr/bin/rspamd}), or the
 * system property {@code helpdesk.rspamd.binary}.
 */
public final class RspamdDaemon implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RspamdDaemon.class.getName());

    /** The GTUBE test string (Generic Test for Unsolicited Bulk Email), the spam counterpart of EICAR. */
    public static final String GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

    /** The controller's password (override.d/worker-controller.inc), for the tests that use its API. */
    public static final String CONTROLLER_PASSWORD = "q1";

    /** The configuration files, copied from the classpath: a jar cannot be listed, so they are named here. */
    private static final List<String> CONFIGURATION = List.of(
        "local.d/arc.conf", "local.d/asn.conf", "local.d/dkim.conf", "local.d/dmarc.conf", "local.d/force_actions.conf",
        "local.d/fuzzy_check.conf", "local.d/hfilter.conf", "local.d/multimap.conf", "local.d/options.inc",
        "local.d/phishing.conf", "local.d/rbl.conf", "local.d/regexp.conf", "local.d/spf.conf", "local.d/whitelist.conf",
        "override.d/logging.inc", "override.d/worker-controller.inc", "override.d/worker-fuzzy.inc",
        "override.d/worker-normal.inc", "override.d/worker-proxy.inc");
    private static final String DEBIAN_USER = "_rspamd";
    /** The first start compiles the Hyperscan cache (~15 s here); a loaded CI machine may take several times that. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
    /** Another process may take a free port between our probe and rspamd's bind. */
    private static final int PORT_ATTEMPTS = 5;
    private static final int LOG_TAIL_LINES = 40;

    private final Path binary;
    private final Path directory;
    private final Path hyperscanCache;
    private final Optional<Owner> owner;
    private final HttpClient http = HttpClient.newBuilder()
        // HTTP/1.1 only: rspamd does not speak HTTP/2 and mishandles the h2c upgrade headers on a POST (it sees no body).
        .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    private int port;
    private int controllerPort;
    private Process process;
    private Thread shutdownHook;

    /** Whom rspamd's workers run as when we are root: the package's user and group. */
    private record Owner(UserPrincipal user, GroupPrincipal group) {
    }

    private RspamdDaemon(Path binary, Path directory, Path hyperscanCache, Optional<Owner> owner) {
        this.binary = binary;
        this.directory = directory;
        this.hyperscanCache = hyperscanCache;
        this.owner = owner;
    }

    /** Starts rspamd on random loopback ports and returns once both its workers answer {@code /ping}. */
    public static RspamdDaemon start() throws IOException {
        Path binary = binary();
        boolean root = isRoot();
        Optional<Owner> owner = root ? debianUser() : Optional.empty();
        Path directory = Files.createTempDirectory("helpdesk-rspamd-");
        RspamdDaemon daemon = new RspamdDaemon(binary, directory, hyperscanCacheDirectory(), owner);
        try {
            daemon.prepare();
            daemon.startWithFreePorts(root && owner.isEmpty());
            return daemon;
        } catch (IOException | RuntimeException e) {
            daemon.close();
            throw e;
        }
    }

    /** The normal worker's port: {@code /checkv2}, {@code /ping}. */
    public int port() {
        return port;
    }

    /** The controller's port: {@code /stat}, {@code /learnspam}, ... and {@code /ping}. */
    public int controllerPort() {
        return controllerPort;
    }

    /** {@code http://127.0.0.1:<port()>}, the base URL of the normal worker. */
    public URI url() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public Path logFile() {
        return directory.resolve("log/rspamd.log");
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Stops rspamd (TERM, then KILL after 10 s); its ports refuse connections until {@link #restart()}. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        Process stopping = process;
        process = null;
        List<ProcessHandle> workers = stopping.descendants().toList();
        stopping.destroy();
        try {
            if (!stopping.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "rspamd " + stopping.pid() + " did not stop within " + STOP_TIMEOUT + ", killing it");
                stopping.destroyForcibly();
                stopping.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping.destroyForcibly();
        }
        // The main process stops its workers; one it could not (killed main) must not keep the port.
        workers.forEach(ProcessHandle::destroyForcibly);
        removeShutdownHook();
    }

    /** Stops rspamd if it runs and starts it again on the same ports, with the same data. */
    public synchronized void restart() throws IOException {
        stop();
        launch(isRoot() && owner.isEmpty());
    }

    @Override
    public synchronized void close() {
        stop();
        try {
            deleteRecursively(directory);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not delete " + directory, e);
        }
    }

    private void prepare() throws IOException {
        Path conf = directory.resolve("conf");
        for (String file : CONFIGURATION) {
            Path target = conf.resolve(file);
            Files.createDirectories(target.getParent());
            try (InputStream in = RspamdDaemon.class.getResourceAsStream("/rspamd/" + file)) {
                if (in == null) {
                    throw new IOException("rspamd configuration resource /rspamd/" + file + " is missing from the classpath");
                }
                Files.copy(in, target);
            }
        }
        for (String sub : List.of("run", "db", "log")) {
            Files.createDirectories(directory.resolve(sub));
        }
        Files.createDirectories(hyperscanCache);
        if (owner.isPresent()) {
            // The workers run as _rspamd: they write the run, db, log and cache directories and reread maps under conf.
            giveToOwner(directory);
            giveToOwner(hyperscanCache);
        }
    }

    private void giveToOwner(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
                view.setOwner(owner.get().user());
                view.setGroup(owner.get().group());
            }
        }
    }

    private void startWithFreePorts(boolean insecure) throws IOException {
        IOException last = null;
        for (int attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
            int[] ports = freePorts();
            port = ports[0];
            controllerPort = ports[1];
            try {
                launch(insecure);
                return;
            } catch (PortTaken e) {
                last = e;
                LOG.log(System.Logger.Level.INFO, "rspamd could not bind " + port + "/" + controllerPort + ", trying other ports");
            }
        }
        throw last;
    }

    private synchronized void launch(boolean insecure) throws IOException {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "-f"));
        if (owner.isPresent()) {
            command.addAll(List.of("-u", DEBIAN_USER, "-g", DEBIAN_USER));
        } else if (insecure) {
            command.add("--insecure"); // root without the _rspamd user: rspamd refuses root workers otherwise
        }
        command.addAll(List.of("-c", "/etc/rspamd/rspamd.conf",
            "--var", "LOCAL_CONFDIR=" + directory.resolve("conf"),
            "--var", "RUNDIR=" + directory.resolve("run"),
            "--var", "DBDIR=" + directory.resolve("db"),
            "--var", "LOGDIR=" + directory.resolve("log"),
            "--var", "HELPDESK_NORMAL_PORT=" + port,
            "--var", "HELPDESK_CONTROLLER_PORT=" + controllerPort,
            "--var", "HELPDESK_HS_CACHE_DIR=" + hyperscanCache));
        Path output = directory.resolve("log/rspamd.out");
        process = new ProcessBuilder(command)
            .directory(directory.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
            .start();
        Process started = process;
        shutdownHook = new Thread(() -> {
            started.descendants().forEach(ProcessHandle::destroyForcibly);
            started.destroyForcibly();
        }, "rspamd-daemon-stop-" + started.pid());
        // A test that forgets close(), or a JVM ended by Ctrl-C, must not leave rspamd holding its ports.
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        awaitReady(started, output);
    }

    private void awaitReady(Process started, Path output) throws IOException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!started.isAlive()) {
                String tail = tail(output) + tail(logFile());
                stop();
                if (tail.contains("cannot bind") || tail.contains("Address already in use")) {
                    throw new PortTaken("rspamd could not bind its ports: " + tail);
                }
                throw new IOException("rspamd exited with code " + started.exitValue() + " before answering /ping; output:\n" + tail);
            }
            if (pong(port) && pong(controllerPort)) {
                LOG.log(System.Logger.Level.DEBUG, "rspamd " + started.pid() + " ready on " + port + " (controller " + controllerPort + ")");
                return;
            }
            try {
                Thread.sleep(POLL_INTERVAL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop();
                throw new IOException("interrupted while waiting for rspamd to start", e);
            }
        }
        String tail = tail(output) + tail(logFile());
        stop();
        throw new IOException("rspamd did not answer /ping on 127.0.0.1:" + port + " and :" + controllerPort + " within " + START_TIMEOUT
            + "; output:\n" + tail);
    }

    private boolean pong(int workerPort) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + workerPort + "/ping"))
            .timeout(Duration.ofSeconds(2)).GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.US_ASCII));
            // rspamd answers "pong" followed by CRLF.
            return response.statusCode() == 200 && response.body().strip().equals("pong");
        } catch (IOException e) {
            return false; // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private synchronized void removeShutdownHook() {
        if (shutdownHook == null) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook runs anyway
        }
        shutdownHook = null;
    }

    private static int[] freePorts() throws IOException {
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        try (ServerSocket first = new ServerSocket(); ServerSocket second = new ServerSocket()) {
            // Both open at once, so they differ; closed before rspamd binds them, hence PortTaken and the retry.
            first.bind(new InetSocketAddress(loopback, 0));
            second.bind(new InetSocketAddress(loopback, 0));
            return new int[] {first.getLocalPort(), second.getLocalPort()};
        }
    }

    private static Path binary() throws IOException {
        String configured = System.getProperty("helpdesk.rspamd.binary");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        List<Path> candidates = new ArrayList<>();
        for (String entry : path.split(java.io.File.pathSeparator)) {
            if (!entry.isEmpty()) {
                candidates.add(Path.of(entry, "rspamd"));
            }
        }
        candidates.add(Path.of("/usr/bin/rspamd"));
        return candidates.stream().filter(Files::isExecutable).findFirst()
            .orElseThrow(() -> new IOException("rspamd is not installed (no rspamd in PATH nor /usr/bin/rspamd): "
                + "scripts/test installs it as root (apt-get install rspamd), or set -Dhelpdesk.rspamd.binary"));
    }

    /** The owner of /proc/self is this process's user on Linux; elsewhere, the user name decides. */
    private static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    private static Optional<Owner> debianUser() throws IOException {
        UserPrincipalLookupService lookup = Path.of("/").getFileSystem().getUserPrincipalLookupService();
        try {
            return Optional.of(new Owner(lookup.lookupPrincipalByName(DEBIAN_USER), lookup.lookupPrincipalByGroupName(DEBIAN_USER)));
        } catch (UserPrincipalNotFoundException e) {
            return Optional.empty();
        }
    }

    /** Per user: a cache written by root's _rspamd is not writable by a developer's rspamd, and the reverse. */
    private static Path hyperscanCacheDirectory() {
        String uid;
        try {
            uid = String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            uid = System.getProperty("user.name", "unknown");
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "helpdesk-rspamd-hyperscan-" + uid);
    }

    private static String tail(Path file) {
        if (!Files.exists(file)) {
            return "";
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size())) + "\n";
        } catch (IOException | UncheckedIOException e) {
            return "(could not read " + file + ": " + e.getMessage() + ")\n";
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(path);
            }
        }
    }

    /** rspamd exited because a port we picked was taken meanwhile: worth another pair of ports. */
    private static final class PortTaken extends IOException {
        PortTaken(String message) {
            super(message);
        }
    }
}
