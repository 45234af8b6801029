package org.helpdeskmail.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The packaged distribution ({@code bin/helpdesk-mail}) run as a separate process, the way it is
 * deployed: a fresh temporary var/ (or, for restarts, one the caller keeps), every listener on an
 * unused loopback port, and DNS pointed at a loopback port (the benchmark's own responder, or one
 * where nothing answers), so no lookup leaves the machine. The start script execs the
 * JVM, so the process's pid is the JVM's, which is what CPU and memory are read from.
 */
public final class ServerProcess implements AutoCloseable {
    /** What bin/helpdesk-mail uses when JAVA_OPTS is unset. */
    private static final String DEFAULT_JAVA_OPTS = "-Xms64m -Xmx512m -XX:+UseSerialGC";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final Pattern SPOOL_SIZE = Pattern.compile("\"size\"\\s*:\\s*(\\d+)");
    /** The per-minute limits of the MX's Throttling handler (smtpserver.xml). */
    private static final Pattern RATE_LIMIT = Pattern.compile("<(connectionsPerMinute|messagesPerMinute|recipientsPerMinute|messagesPerSenderPerMinute)>\\s*\\d+\\s*</");
    private static final int NO_LIMIT = 100_000_000;
    /** James's concurrent connections per client address (0: no limit). */
    private static final Pattern CONNECTIONS_PER_IP = Pattern.compile("<connectionLimitPerIP>\\s*\\d+\\s*</connectionLimitPerIP>");

    /** Loopback ports of the server's listeners, and of the DNS server it asks. */
    public record Ports(int mx, int submission, int webadmin, int jmx, int dns) {
        static Ports unused(int dns) {
            return new Ports(unusedPort(), unusedPort(), unusedPort(), unusedPort(), dns);
        }
    }

    /** A change to the server's copy of conf/ before it starts (e.g. where MxDelivery connects). */
    @FunctionalInterface
    public interface ConfEdit {
        ConfEdit NONE = conf -> { };

        void apply(Path conf) throws IOException;
    }

    private final Process process;
    private final Path workDirectory;
    private final boolean ownsWorkDirectory;
    private final Ports ports;
    /** Where this start's lines begin in server.log (a restart on a kept work directory appends). */
    private final long logStart;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ServerProcess(Process process, Path workDirectory, boolean ownsWorkDirectory, Ports ports, long logStart) {
        this.process = process;
        this.workDirectory = workDirectory;
        this.ownsWorkDirectory = ownsWorkDirectory;
        this.ports = ports;
        this.logStart = logStart;
    }

    /**
     * How the server is launched. {@code liftRateLimits}: the copy of conf/ has its per-minute limits
     * per client and per sender raised out of reach, and the concurrent connections per client address
     * not limited: all the load of most benchmarks comes from one client, 127.0.0.1, which they would
     * hold to 300 messages a minute and 20 sessions, whereas they are meant for one sender among many
     * (the submission listener's limits per user go the same way). {@code javaOpts} null keeps the start
     * script's own default (what a deployment runs). {@code confEdit} makes any further change to the
     * copy. {@code ownHostsFile}: the JVM resolves host names (James's lookup of every client's name
     * when it connects) from a hosts file that knows 127.0.0.1 and the machine's name only, instead of
     * the machine's resolver, which is not on loopback; off, the server resolves as deployed.
     */
    public record Launch(Path distribution, String webhookUrl, String domains, int dnsPort, boolean liftRateLimits,
                         String javaOpts, Map<String, String> extraEnvironment, ConfEdit confEdit, boolean ownHostsFile) {

        /** The limits of conf/ as they are, the start script's JAVA_OPTS, the benchmark's hosts file. */
        public static Launch of(Path distribution, String webhookUrl, String domains, int dnsPort) {
            return new Launch(distribution, webhookUrl, domains, dnsPort, false, null, Map.of(), ConfEdit.NONE, true);
        }

        public Launch liftingRateLimits(boolean lift) {
            return new Launch(distribution, webhookUrl, domains, dnsPort, lift, javaOpts, extraEnvironment, confEdit, ownHostsFile);
        }

        public Launch withJavaOpts(String opts) {
            return new Launch(distribution, webhookUrl, domains, dnsPort, liftRateLimits, opts, extraEnvironment, confEdit, ownHostsFile);
        }

        public Launch withEnvironment(Map<String, String> environment) {
            return new Launch(distribution, webhookUrl, domains, dnsPort, liftRateLimits, javaOpts, environment, confEdit, ownHostsFile);
        }

        public Launch withConfEdit(ConfEdit edit) {
            return new Launch(distribution, webhookUrl, domains, dnsPort, liftRateLimits, javaOpts, extraEnvironment, edit, ownHostsFile);
        }

        /** The JVM's own resolver for host names, as deployed (no hosts file of the benchmark's). */
        public Launch withSystemResolver() {
            return new Launch(distribution, webhookUrl, domains, dnsPort, liftRateLimits, javaOpts, extraEnvironment, confEdit, false);
        }
    }

    /**
     * Launches the distribution on a copy of its conf/ and waits for the MX's 220; see {@link Launch}
     * for the parameters.
     */
    public static ServerProcess start(Path distribution, String webhookUrl, String domains, int dnsPort, boolean liftRateLimits,
                                      String javaOpts, Map<String, String> extraEnvironment) throws IOException, InterruptedException {
        return start(distribution, webhookUrl, domains, dnsPort, liftRateLimits, javaOpts, extraEnvironment, ConfEdit.NONE);
    }

    public static ServerProcess start(Path distribution, String webhookUrl, String domains, int dnsPort, boolean liftRateLimits,
                                      String javaOpts, Map<String, String> extraEnvironment, ConfEdit confEdit)
            throws IOException, InterruptedException {
        return start(Launch.of(distribution, webhookUrl, domains, dnsPort).liftingRateLimits(liftRateLimits).withJavaOpts(javaOpts)
            .withEnvironment(extraEnvironment).withConfEdit(confEdit));
    }

    /** On a fresh temporary work directory (conf/, var/, the log), removed again at {@link #close()}. */
    public static ServerProcess start(Launch launch) throws IOException, InterruptedException {
        Path workDirectory = Files.createTempDirectory("helpdesk-bench-");
        try {
            return launch(launch, workDirectory, true);
        } catch (IOException | RuntimeException | InterruptedException e) {
            deleteRecursively(workDirectory);
            throw e;
        }
    }

    /**
     * On a work directory the caller keeps: its conf/ is copied (and edited) at the first start only,
     * its var/ stays from one start to the next (a restart, as after a crash), and the log of every
     * start is appended to its server.log. {@link #close()} leaves the directory in place.
     */
    public static ServerProcess startIn(Path workDirectory, Launch launch) throws IOException, InterruptedException {
        Files.createDirectories(workDirectory);
        return launch(launch, workDirectory.toAbsolutePath(), false);
    }

    private static ServerProcess launch(Launch launch, Path workDirectory, boolean ownsWorkDirectory) throws IOException, InterruptedException {
        Path launcher = launch.distribution().toAbsolutePath().resolve("bin/helpdesk-mail"); // absolute: the process runs in its own folder
        if (!Files.isExecutable(launcher)) {
            throw new IllegalStateException("no distribution at " + launch.distribution() + ": run mvn -B package -DskipTests first");
        }
        Path conf = workDirectory.resolve("conf");
        if (!Files.exists(conf)) {
            copyDirectory(launch.distribution().toAbsolutePath().resolve("conf"), conf);
            if (launch.liftRateLimits()) {
                liftRateLimits(conf.resolve("smtpserver.xml"));
            }
            launch.confEdit().apply(conf);
        }
        Ports ports = Ports.unused(launch.dnsPort());
        Path log = workDirectory.resolve("server.log");
        long logStart = Files.exists(log) ? Files.size(log) : 0;
        ProcessBuilder builder = new ProcessBuilder(launcher.toString())
            .directory(workDirectory.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> environment = builder.environment();
        environment.put("HELPDESK_CONF_DIR", conf.toString());
        environment.put("HELPDESK_VAR_DIR", workDirectory.resolve("var").toString());
        environment.put("HELPDESK_WEBHOOK_URL", launch.webhookUrl());
        environment.put("HELPDESK_DOMAINS", launch.domains());
        environment.put("HELPDESK_MX_BIND", "127.0.0.1:" + ports.mx());
        environment.put("HELPDESK_SUBMISSION_BIND", "127.0.0.1:" + ports.submission());
        environment.put("HELPDESK_WEBADMIN_BIND", "127.0.0.1:" + ports.webadmin());
        environment.put("HELPDESK_JMX_BIND", "127.0.0.1:" + ports.jmx());
        environment.put("HELPDESK_DNS_SERVERS", "127.0.0.1:" + ports.dns());
        environment.put("HELPDESK_HOSTNAME", "mx.helpdesk.localhost");
        environment.putAll(launch.extraEnvironment());
        String javaOpts = launch.javaOpts() != null ? launch.javaOpts() : DEFAULT_JAVA_OPTS;
        if (launch.ownHostsFile()) {
            // James looks up the host name of every client address through the JVM's resolver, which is the
            // machine's (not on loopback): a hosts file of our own keeps those lookups on this machine.
            Path hosts = workDirectory.resolve("hosts");
            Files.writeString(hosts, "127.0.0.1 localhost " + machineName() + "\n");
            javaOpts += " -Djdk.net.hosts.file=" + hosts;
        }
        environment.put("JAVA_OPTS", javaOpts);
        Process process = builder.start();
        ServerProcess server = new ServerProcess(process, workDirectory, ownsWorkDirectory, ports, logStart);
        try {
            server.awaitGreeting();
            return server;
        } catch (IOException | RuntimeException | InterruptedException e) {
            server.close();
            throw e;
        }
    }

    static void liftRateLimits(Path smtpserverXml) throws IOException {
        String xml = Files.readString(smtpserverXml, StandardCharsets.UTF_8);
        xml = RATE_LIMIT.matcher(xml).replaceAll("<$1>" + NO_LIMIT + "</");
        xml = CONNECTIONS_PER_IP.matcher(xml).replaceAll("<connectionLimitPerIP>0</connectionLimitPerIP>");
        Files.writeString(smtpserverXml, xml, StandardCharsets.UTF_8);
    }

    private static void copyDirectory(Path source, Path target) throws IOException {
        try (Stream<Path> files = Files.walk(source)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.copy(file, target.resolve(source.relativize(file).toString()));
            }
        }
    }

    private void awaitGreeting() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (!answers220()) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the server exited with " + process.exitValue() + ":\n" + logTail(40));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no SMTP 220 within " + READY_TIMEOUT + ":\n" + logTail(40));
            }
            Thread.sleep(50);
        }
    }

    private boolean answers220() {
        try (Socket socket = new Socket()) {
            socket.connect(mxAddress(), 1000);
            socket.setSoTimeout(2000);
            byte[] code = socket.getInputStream().readNBytes(3);
            return new String(code, StandardCharsets.US_ASCII).equals("220");
        } catch (IOException e) {
            return false;
        }
    }

    public long pid() {
        return process.pid();
    }

    public Ports ports() {
        return ports;
    }

    public InetSocketAddress mxAddress() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), ports.mx());
    }

    public InetSocketAddress submissionAddress() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), ports.submission());
    }

    public Path log() {
        return workDirectory.resolve("server.log");
    }

    /** Keeps a copy of the server's log (the work directory goes away at {@link #close()}). */
    public void copyLogTo(Path target) {
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
            Files.copy(log(), target, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            System.err.println("could not keep the server log: " + e.getMessage());
        }
    }

    /** Adds a domain (if new) and a user with webadmin, as an operator does for the app's submission account. */
    public void addUser(String user, String password) throws IOException, InterruptedException {
        String domain = user.substring(user.lastIndexOf('@') + 1);
        webadminPut("/domains/" + domain, "");
        webadminPut("/users/" + user, "{\"password\":\"" + password.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}");
    }

    private void webadminPut(String path, String body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.webadmin() + path))
            .timeout(Duration.ofSeconds(30)).PUT(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> response = sendOnceWebadminListens(request);
        // 409: the domain exists already (a helpdesk domain is registered at start).
        if (response.statusCode() / 100 != 2 && response.statusCode() != 409) {
            throw new IOException("webadmin PUT " + path + " answered " + response.statusCode() + ": " + response.body());
        }
    }

    /** Mails waiting in the spool queue (webadmin), i.e. accepted but not yet through the mailet container. */
    public long spoolSize() throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.webadmin() + "/mailQueues/spool"))
            .timeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        Matcher size = SPOOL_SIZE.matcher(response.body());
        if (response.statusCode() != 200 || !size.find()) {
            throw new IOException("webadmin /mailQueues/spool answered " + response.statusCode() + ": " + response.body());
        }
        return Long.parseLong(size.group(1));
    }

    /** The MX answers before webadmin listens: a refused connection is tried again for a while. */
    private HttpResponse<String> sendOnceWebadminListens(HttpRequest request) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (true) {
            try {
                return http.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (java.net.ConnectException e) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    /** The last lines this start wrote to the log (not those of earlier starts on the same work directory). */
    public String logTail(int lines) {
        try (SeekableByteChannel channel = Files.newByteChannel(log())) {
            channel.position(logStart);
            String text = new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.UTF_8);
            List<String> all = text.lines().toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * SIGKILL of the JVM, as the OOM killer or a power cut would end it: no shutdown hook runs, nothing
     * is flushed. Returns once the process is gone. The start script execs the JVM, so the process is
     * the JVM itself; if a launcher ever stays in between, it is the JVM below it that gets the signal.
     */
    public void kill() throws InterruptedException {
        ProcessHandle jvm = jvm();
        jvm.destroyForcibly();
        try {
            jvm.onExit().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the server JVM " + jvm.pid() + " was still there 30 s after SIGKILL", e);
        }
        process.destroyForcibly(); // the launcher, if it was not the JVM (a no-op otherwise)
        process.waitFor(30, TimeUnit.SECONDS);
    }

    private ProcessHandle jvm() {
        ProcessHandle launched = process.toHandle();
        if (isJava(launched)) {
            return launched;
        }
        return launched.descendants().filter(ServerProcess::isJava).findFirst().orElse(launched);
    }

    private static boolean isJava(ProcessHandle handle) {
        return handle.info().command().map(command -> command.endsWith("/java")).orElse(false);
    }

    /**
     * SIGTERM (an operator's stop), SIGKILL if it is still there after 30 s; then removes the
     * temporary work directory (not one the caller passed to {@link #startIn}).
     */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
        if (ownsWorkDirectory) {
            deleteRecursively(workDirectory);
        }
    }

    static void deleteRecursively(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            System.err.println("could not remove " + directory + ": " + e.getMessage());
        }
    }

    /** A loopback port nothing listens on right now. */
    static int unusedPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The machine's own name, which the server resolves at start (it must be in the hosts file). */
    private static String machineName() throws IOException {
        Path hostname = Path.of("/etc/hostname");
        return Files.exists(hostname) ? Files.readString(hostname).trim() : "localhost";
    }
}
