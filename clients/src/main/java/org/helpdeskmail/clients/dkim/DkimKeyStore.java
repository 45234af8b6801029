package org.helpdeskmail.clients.dkim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DKIM signing keys, in a directory an operator can also edit by hand:
 * <pre>
 * &lt;directory&gt;/&lt;domain&gt;/&lt;selector&gt;.pem   one private key (PKCS#8 or PKCS#1 PEM, RSA or Ed25519), mode 600
 * &lt;directory&gt;/&lt;domain&gt;/active           the active selectors, one a line (at most one RSA and one Ed25519)
 * </pre>
 * Changes made through this class are seen at once; changes made by hand within
 * {@code recheckInterval} (the files' modification times are compared, no restart needed). A key
 * file that does not parse is left out with a warning, so one bad file never stops signing for
 * the other domains.
 *
 * <p>Which keys sign a mail: the active keys of the From domain, else of its parent domains, else of
 * the default domain. A domain signs only when it has an active RSA key; its active Ed25519 key, if
 * any, adds a second signature (RFC 8463 recommends both while Ed25519 support is not universal).
 *
 * <p>Errors: {@link IllegalArgumentException} for a bad domain, selector or PEM,
 * {@link NoSuchElementException} for an unknown key, {@link IllegalStateException} for a key that
 * already exists or that cannot be removed.
 */
public final class DkimKeyStore {
    private static final Logger LOGGER = LoggerFactory.getLogger(DkimKeyStore.class);
    private static final Pattern LABELS = Pattern.compile("^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$");
    private static final String KEY_SUFFIX = ".pem";
    private static final String ACTIVE_FILE = "active";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> READABLE = PosixFilePermissions.fromString("rw-r--r--");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final DateTimeFormatter DEFAULT_SELECTOR_MONTH = DateTimeFormatter.ofPattern("yyyyMM").withZone(ZoneOffset.UTC);

    private final Path directory;
    private final String defaultDomain;
    private final Clock clock;
    private final Duration recheckInterval;
    private volatile Snapshot snapshot;
    private volatile Instant nextCheck;

    /** What was read from the directory, and the modification times it was read at. */
    private record Snapshot(Map<String, List<DkimKey>> keysByDomain, List<FileStamp> stamps) {
    }

    private record FileStamp(Path path, long modified, long size) {
    }

    public DkimKeyStore(Path directory, String defaultDomain, Clock clock, Duration recheckInterval) {
        this.directory = directory.toAbsolutePath().normalize();
        this.defaultDomain = domain(defaultDomain);
        this.clock = clock;
        this.recheckInterval = recheckInterval;
        createDirectory(this.directory);
        reload();
    }

    public Path directory() {
        return directory;
    }

    public String defaultDomain() {
        return defaultDomain;
    }

    /** Every key, by domain then selector. */
    public List<DkimKey> keys() {
        return current().keysByDomain().values().stream().flatMap(List::stream).toList();
    }

    /** The keys of one domain, by selector; empty if it has none. */
    public List<DkimKey> keys(String domain) {
        return current().keysByDomain().getOrDefault(domain(domain), List.of());
    }

    /**
     * The keys to sign a mail from {@code fromDomain} with (see the class comment): its active RSA key
     * first, then its active Ed25519 key if any; empty when neither that domain, its parents nor the
     * default domain has an active RSA key.
     */
    public List<DkimKey> signingKeys(Optional<String> fromDomain) {
        Snapshot keys = current();
        List<String> candidates = new ArrayList<>();
        fromDomain.map(value -> value.toLowerCase(Locale.ROOT)).ifPresent(domain -> {
            String candidate = domain;
            while (candidate.indexOf('.') > 0) {
                candidates.add(candidate);
                candidate = candidate.substring(candidate.indexOf('.') + 1);
            }
        });
        candidates.add(defaultDomain);
        return candidates.stream()
            .map(domain -> keys.keysByDomain().getOrDefault(domain, List.of()).stream().filter(DkimKey::active)
                .sorted(Comparator.comparing(DkimKey::algorithm)).toList())
            .filter(active -> !active.isEmpty() && active.get(0).algorithm() == DkimAlgorithm.RSA)
            .findFirst()
            .orElse(List.of());
    }

    /** Generates a key (RSA 2048 or Ed25519) for a new selector; it is not active yet. */
    public DkimKey generate(String domain, String selector, DkimAlgorithm algorithm) {
        return add(domain, selector, DkimKeyMaterial.generate(algorithm));
    }

    /** Stores a key given as PEM for a new selector; it is not active yet. */
    public DkimKey importPem(String domain, String selector, String pem) {
        return add(domain, selector, DkimKeyMaterial.fromPem(pem));
    }

    private synchronized DkimKey add(String domain, String selector, DkimKeyMaterial material) {
        String validDomain = domain(domain);
        String validSelector = selector(selector);
        Path domainDirectory = directory.resolve(validDomain);
        Path file = domainDirectory.resolve(validSelector + KEY_SUFFIX);
        if (Files.exists(file)) {
            throw new IllegalStateException("selector '" + validSelector + "' of " + validDomain + " already has a key: "
                + "a published selector keeps its key (add a new selector to rotate)");
        }
        createDirectory(domainDirectory);
        writeAtomically(file, material.toPem(), OWNER_ONLY);
        reload();
        DkimKey added = key(validDomain, validSelector);
        LOGGER.info("DKIM: added {}; publish TXT {}", added, added.dnsRecord());
        return added;
    }

    /**
     * Makes a selector the one that signs for its domain, in place of the active key of the same
     * algorithm (keep the old one published until the mail it signed has been delivered).
     */
    public synchronized DkimKey activate(String domain, String selector) {
        DkimKey chosen = key(domain, selector);
        List<String> active = new ArrayList<>();
        keys(chosen.domain()).stream()
            .filter(key -> key.active() && key.algorithm() != chosen.algorithm())
            .forEach(key -> active.add(key.selector()));
        active.add(chosen.selector());
        writeAtomically(directory.resolve(chosen.domain()).resolve(ACTIVE_FILE), String.join("\n", active) + "\n", READABLE);
        reload();
        LOGGER.info("DKIM: {} now signs for {}", chosen.dnsName(), chosen.domain());
        return key(chosen.domain(), chosen.selector());
    }

    /** Deletes a key that no longer signs (once its DNS record can be withdrawn). */
    public synchronized void remove(String domain, String selector) {
        DkimKey key = key(domain, selector);
        if (key.active()) {
            throw new IllegalStateException(key.dnsName() + " is active: activate another selector first");
        }
        try {
            Files.delete(directory.resolve(key.domain()).resolve(key.selector() + KEY_SUFFIX));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        reload();
        LOGGER.info("DKIM: removed {}", key.dnsName());
    }

    /** One key. */
    public DkimKey key(String domain, String selector) {
        String validDomain = domain(domain);
        String validSelector = selector(selector);
        return keys(validDomain).stream()
            .filter(key -> key.selector().equals(validSelector))
            .findFirst()
            .orElseThrow(() -> new NoSuchElementException("no DKIM key " + validSelector + "._domainkey." + validDomain));
    }

    /**
     * At first start: gives the default domain an active RSA key when it has none, so that mail
     * leaves signed from the start (selector {@code hm<yyyyMM>}). Returns the key generated, whose
     * record the operator must publish.
     */
    public synchronized Optional<DkimKey> ensureDefaultKey() {
        if (!signingKeys(Optional.of(defaultDomain)).isEmpty()) {
            return Optional.empty();
        }
        String month = "hm" + DEFAULT_SELECTOR_MONTH.format(clock.instant());
        String selector = month;
        for (int suffix = 2; Files.exists(directory.resolve(defaultDomain).resolve(selector + KEY_SUFFIX)); suffix++) {
            selector = month + "-" + suffix;
        }
        generate(defaultDomain, selector, DkimAlgorithm.RSA);
        return Optional.of(activate(defaultDomain, selector));
    }

    private Snapshot current() {
        if (!clock.instant().isBefore(nextCheck)) {
            synchronized (this) {
                if (!clock.instant().isBefore(nextCheck)) {
                    if (!stamps().equals(snapshot.stamps())) {
                        reload();
                    }
                    nextCheck = clock.instant().plus(recheckInterval);
                }
            }
        }
        return snapshot;
    }

    private synchronized void reload() {
        List<FileStamp> stamps = stamps();
        Map<String, List<DkimKey>> keysByDomain = new LinkedHashMap<>();
        for (Path domainDirectory : list(directory).stream().filter(Files::isDirectory).toList()) {
            String domain = domainDirectory.getFileName().toString();
            if (!LABELS.matcher(domain).matches()) {
                continue;
            }
            List<DkimKey> keys = readDomain(domain, domainDirectory);
            if (!keys.isEmpty()) {
                keysByDomain.put(domain, keys);
            }
        }
        snapshot = new Snapshot(keysByDomain, stamps);
        nextCheck = clock.instant().plus(recheckInterval);
    }

    private List<DkimKey> readDomain(String domain, Path domainDirectory) {
        List<String> activeSelectors = readActiveSelectors(domainDirectory.resolve(ACTIVE_FILE));
        List<DkimKey> keys = new ArrayList<>();
        for (Path file : list(domainDirectory)) {
            String name = file.getFileName().toString();
            String selector = name.substring(0, Math.max(0, name.length() - KEY_SUFFIX.length()));
            if (!name.endsWith(KEY_SUFFIX) || !LABELS.matcher(selector).matches()) {
                continue;
            }
            try {
                DkimKeyMaterial material = DkimKeyMaterial.fromPem(Files.readString(file, StandardCharsets.US_ASCII));
                keys.add(material.toKey(domain, selector, false));
            } catch (IllegalArgumentException | IOException e) {
                LOGGER.warn("DKIM: {} left out: {}", file, e.getMessage());
            }
        }
        // The last line naming a selector of an algorithm wins: one active key per algorithm.
        Map<DkimAlgorithm, String> activeByAlgorithm = new LinkedHashMap<>();
        for (String selector : activeSelectors) {
            keys.stream().filter(key -> key.selector().equals(selector)).findFirst()
                .ifPresentOrElse(key -> activeByAlgorithm.put(key.algorithm(), selector),
                    () -> LOGGER.warn("DKIM: {} names selector '{}', which has no usable key", domainDirectory.resolve(ACTIVE_FILE), selector));
        }
        return keys.stream()
            .map(key -> key.withActive(key.selector().equals(activeByAlgorithm.get(key.algorithm()))))
            .sorted(Comparator.comparing(DkimKey::selector))
            .toList();
    }

    private static List<String> readActiveSelectors(Path file) {
        try (Stream<String> lines = Files.lines(file, StandardCharsets.US_ASCII)) {
            return lines.map(String::trim).filter(line -> !line.isEmpty() && !line.startsWith("#"))
                .map(line -> line.toLowerCase(Locale.ROOT)).collect(Collectors.toList());
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The modification times and sizes of the directory, each domain directory and every file in them. */
    private List<FileStamp> stamps() {
        List<FileStamp> stamps = new ArrayList<>();
        stamps.add(stamp(directory));
        for (Path domainDirectory : list(directory)) {
            stamps.add(stamp(domainDirectory));
            if (Files.isDirectory(domainDirectory)) {
                list(domainDirectory).forEach(file -> stamps.add(stamp(file)));
            }
        }
        return stamps;
    }

    private static FileStamp stamp(Path path) {
        try {
            return new FileStamp(path, Files.getLastModifiedTime(path).toMillis(), Files.size(path));
        } catch (IOException e) {
            // Deleted while we looked: it differs from any earlier stamp, which is all that matters.
            return new FileStamp(path, -1, -1);
        }
    }

    private static List<Path> list(Path directory) {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.sorted().toList();
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void createDirectory(Path path) {
        try {
            if (!Files.isDirectory(path)) {
                Files.createDirectories(path, permissions(OWNER_ONLY_DIRECTORY));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + path, e);
        }
    }

    /** A reader never sees half a file: write a temporary file beside it, then rename it over. */
    private static void writeAtomically(Path file, String content, Set<PosixFilePermission> mode) {
        Path temporary = null;
        try {
            temporary = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp", permissions(mode));
            Files.writeString(temporary, content, StandardCharsets.US_ASCII);
            try {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        } finally {
            deleteQuietly(temporary);
        }
    }

    private static void deleteQuietly(Path temporary) {
        if (temporary != null) {
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException ignored) {
                // Only a leftover temporary file: the store never reads *.tmp.
            }
        }
    }

    private static FileAttribute<?>[] permissions(Set<PosixFilePermission> mode) {
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[0];
        }
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(mode)};
    }

    private static String domain(String value) {
        return labels(value, "domain");
    }

    private static String selector(String value) {
        return labels(value, "selector");
    }

    private static String labels(String value, String what) {
        String lower = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        if (!LABELS.matcher(lower).matches()) {
            throw new IllegalArgumentException("'" + value + "' is not a valid DKIM " + what + " (DNS labels: letters, digits, hyphens)");
        }
        return lower;
    }
}
