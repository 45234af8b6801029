package org.helpdeskmail.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.helpdeskmail.testing.dns.TestDnsServer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Runs the real helpdesk-mail distribution ({@code bin/helpdesk-mail} of server/target, with our
 * james-conf/) as a separate process for each test: random loopback ports, a temporary var/, DNS
 * pointed at a DNS server of the test on loopback (nothing leaves the machine). Only ports and directories differ from a
 * deployment, plus what a test changes explicitly with {@link Builder#configure}. The process can be
 * stopped, killed with SIGKILL and started again on the same var/.
 */
public final class HelpdeskServerExtension implements BeforeEachCallback, AfterEachCallback {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> SENDER_DOMAINS = List.of("example.org", "example.com", "client.example", "spam.example",
        "other-helpdesk.example", "third.example");

    public record Ports(int mx, int submission, int webadmin, int jmx, int dns) {
    }

    public record CommandResult(int exitCode, String output) {
    }

    public static final class Builder {
        private final Map<String, String> environment = new HashMap<>();
        private final List<Consumer<Path>> configurationEdits = new ArrayList<>();
        private boolean startBeforeEach = true;

        public Builder environment(String name, String value) {
            environment.put(name, value);
            return this;
        }

        /** Changes the copy of james-conf/ the server will read (the argument is its folder). */
        public Builder configure(Consumer<Path> edit) {
            configurationEdits.add(edit);
            return this;
        }

        /** For tests of startup itself: the test calls {@link #start()} or {@link #startExpectingFailure()}. */
        public Builder dontStart() {
            startBeforeEach = false;
            return this;
        }

        public HelpdeskServerExtension build() {
            return new HelpdeskServerExtension(this);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    private final Builder settings;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Path workDirectory;
    private Ports ports;
    private Process process;
    private TestDnsServer dns;

    private HelpdeskServerExtension(Builder settings) {
        this.settings = settings;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        workDirectory = Files.createTempDirectory("helpdesk-it-");
        Path conf = workDirectory.resolve("conf");
        copyDirectory(Path.of(requiredProperty("helpdesk.conf")), conf);
        settings.configurationEdits.forEach(edit -> edit.accept(conf));
        dns = TestDnsServer.start();
        // Authoritative for everything: a name no test published is NXDOMAIN, never a real lookup.
        dns.addZone(".", "");
        // The sender domains the tests use exist: the MX refuses senders whose domain does not resolve.
        for (String domain : SENDER_DOMAINS) {
            dns.addZone(domain + ".", domain + ". IN A 127.0.0.1");
        }
        // 127.0.0.1 to 127.0.0.9 have forward-confirmed reverse DNS, as well-run mail servers do;
        // 127.0.0.20 and above have none (greylisting tests use them).
        StringBuilder reverse = new StringBuilder();
        StringBuilder forward = new StringBuilder();
        for (int host = 1; host <= 9; host++) {
            reverse.append(host).append(".0.0.127.in-addr.arpa. IN PTR mail").append(host).append(".clients.test.\n");
            forward.append("mail").append(host).append(".clients.test. IN A 127.0.0.").append(host).append("\n");
        }
        dns.addZone("0.0.127.in-addr.arpa.", reverse.toString());
        dns.addZone("clients.test.", forward.toString());
        ports = new Ports(freePort(), freePort(), freePort(), freePort(), dns.port());
        if (settings.startBeforeEach) {
            start();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        stop();
        dns.close();
        if (context.getExecutionException().isPresent()) {
            System.err.println("---- server log of the failed test ----\n" + log());
        }
        try (Stream<Path> files = Files.walk(workDirectory)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    public Ports ports() {
        return ports;
    }

    /** The DNS server the server under test resolves through; tests publish their records there. */
    public TestDnsServer dns() {
        return dns;
    }

    public Path varDirectory() {
        return workDirectory.resolve("var");
    }

    public Path configurationDirectory() {
        return workDirectory.resolve("conf");
    }

    public String log() throws IOException {
        Path log = workDirectory.resolve("server.log");
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    public long pid() {
        return process.pid();
    }

    private static Path distribution() {
        Path distribution = Path.of(requiredProperty("helpdesk.distribution"));
        if (!Files.isExecutable(distribution.resolve("bin/helpdesk-mail"))) {
            throw new IllegalStateException("No distribution at " + distribution + ": run mvn package first");
        }
        return distribution;
    }

    private Map<String, String> serverEnvironment() {
        Map<String, String> environment = new HashMap<>();
        environment.put("HELPDESK_CONF_DIR", configurationDirectory().toString());
        environment.put("HELPDESK_VAR_DIR", varDirectory().toString());
        environment.put("HELPDESK_MX_BIND", "127.0.0.1:" + ports.mx());
        environment.put("HELPDESK_SUBMISSION_BIND", "127.0.0.1:" + ports.submission());
        environment.put("HELPDESK_WEBADMIN_BIND", "127.0.0.1:" + ports.webadmin());
        environment.put("HELPDESK_JMX_BIND", "127.0.0.1:" + ports.jmx());
        environment.put("HELPDESK_DNS_SERVERS", dns.address());
        environment.put("HELPDESK_HOSTNAME", "mx.helpdesk.localhost");
        // James looks up the host name of every client address through the JVM's resolver, which is the
        // machine's (not on loopback): a hosts file of the test keeps those lookups on this machine.
        environment.put("JAVA_OPTS", "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djdk.net.hosts.file=" + hostsFile());
        environment.putAll(settings.environment);
        return environment;
    }

    private Path hostsFile() {
        Path hosts = workDirectory.resolve("hosts");
        try {
            if (!Files.exists(hosts)) {
                Files.writeString(hosts, "127.0.0.1 localhost " + machineName() + "\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return hosts;
    }

    private Process launch() throws IOException {
        ProcessBuilder builder = new ProcessBuilder(distribution().resolve("bin/helpdesk-mail").toString())
            .directory(workDirectory.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(workDirectory.resolve("server.log").toFile()));
        builder.environment().putAll(serverEnvironment());
        return builder.start();
    }

    /** Starts the server and waits until SMTP answers 220 and webadmin reports healthy. */
    public void start() throws Exception {
        for (int attempt = 1; ; attempt++) {
            long logStart = log().length();
            try {
                startOnce();
                return;
            } catch (IllegalStateException e) {
                // Free ports are picked before the server binds them, and a restart binds them again: in between,
                // another process (or an outgoing connection's ephemeral port) can take one. The server then simply
                // gets other ports; tests ask ports() each time they connect.
                boolean portTaken = portTaken(log().substring((int) logStart));
                if (!portTaken || attempt == 3) {
                    throw e;
                }
                ports = new Ports(freePort(), freePort(), freePort(), freePort(), dns.port());
            }
        }
    }

    private static boolean portTaken(String log) {
        return log.contains("Address already in use") || log.contains("Failed to bind");
    }

    private void startOnce() throws Exception {
        long logStart = log().length();
        process = launch();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("The server exited with " + process.exitValue() + ":\n" + log());
            }
            // Webadmin fails to bind in a thread of its own and the process stays up: no use waiting for it.
            if (portTaken(log().substring((int) logStart))) {
                process.destroyForcibly().waitFor();
                throw new IllegalStateException("A port of the server was taken meanwhile:\n" + log());
            }
            if (answersSmtp(ports.mx()) && isHealthy()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("The server did not become ready within " + READY_TIMEOUT + ":\n" + log());
    }

    /** Starts the server, expecting it to refuse to start; returns its exit code and output. */
    public CommandResult startExpectingFailure() throws Exception {
        long logStart = log().length();
        process = launch();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("The server kept running instead of refusing its configuration:\n" + log());
        }
        return new CommandResult(process.exitValue(), log().substring((int) logStart));
    }

    /** SIGTERM, as an operator's stop does. */
    public void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    /** SIGTERM, then the wait for the process to end: its exit code, or an AssertionError after {@code within}. */
    public int terminate(Duration within) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("the server did not exit within " + within + " of SIGTERM");
        }
        return process.exitValue();
    }

    /** SIGKILL: the process gets no chance to flush or close anything. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    private static boolean answersSmtp(int port) {
        try (Socket socket = new Socket(InetAddress.getByName("127.0.0.1"), port)) {
            socket.setSoTimeout(2000);
            byte[] banner = new byte[3];
            return socket.getInputStream().readNBytes(banner, 0, 3) == 3 && new String(banner, StandardCharsets.US_ASCII).equals("220");
        } catch (IOException e) {
            return false;
        }
    }

    private boolean isHealthy() {
        try {
            return request("GET", "/healthcheck", null).statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    public HttpResponse<String> request(String method, String path, String body) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.webadmin() + path))
            .timeout(Duration.ofSeconds(10))
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
            .build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** GET on webadmin, parsed; fails on a non-2xx status. */
    public JsonNode webadmin(String path) throws IOException {
        HttpResponse<String> response = request("GET", path, null);
        if (response.statusCode() / 100 != 2) {
            throw new IOException("GET " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    /** Runs the distribution's {@code bin/james-cli} against this server, as an operator would. */
    public CommandResult jamesCli(String... arguments) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(distribution().resolve("bin/james-cli").toString());
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDirectory.toFile()).redirectErrorStream(true);
        builder.environment().put("HELPDESK_VAR_DIR", varDirectory().toString());
        builder.environment().put("HELPDESK_JMX_BIND", "127.0.0.1:" + ports.jmx());
        Process cli = builder.start();
        String output = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!cli.waitFor(60, TimeUnit.SECONDS)) {
            cli.destroyForcibly();
            throw new IllegalStateException("james-cli did not finish: " + output);
        }
        return new CommandResult(cli.exitValue(), output);
    }

    private static String requiredProperty(String name) {
        String value = System.getProperty(name);
        if (value == null) {
            throw new IllegalStateException("System property " + name + " is not set (run the tests through Maven)");
        }
        return value;
    }

    /** A loopback port nothing listens on right now. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copyDirectory(Path source, Path target) throws IOException {
        try (Stream<Path> files = Files.walk(source)) {
            files.forEach(file -> {
                try {
                    Files.copy(file, target.resolve(source.relativize(file).toString()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    /** The machine's own name, which the server resolves at start (it must be in the hosts file). */
    private static String machineName() throws IOException {
        Path hostname = Path.of("/etc/hostname");
        return Files.exists(hostname) ? Files.readString(hostname).trim() : "localhost";
    }
}
