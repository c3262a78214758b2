package org.karavel.dkim.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DKIM key directory: one PEM file per key, named {@code <domain>.<selector>.<rsa|ed25519>.pem}
 * (PKCS#8; PKCS#1 accepted for RSA). Files are read again only when their modification time or size
 * changes; the directory is listed at most once per rescan interval. A key other users can read is a
 * WARN (it stays usable), an unreadable or broken one an ERROR naming the file, each once per
 * version of the file. Per domain and algorithm the greatest selector (in text order) signs, so
 * dated selectors ({@code 2026a}, {@code 202611}) rotate by adding a file. One selector holds one
 * key: {@link #generate} refuses a selector that any algorithm uses, and two files under one
 * selector (an RSA and an Ed25519 key would be two TXT records at one name) are a WARN.
 */
final class KeyDirectory {
    private static final Logger LOG = LoggerFactory.getLogger(KeyDirectory.class);
    static final Pattern FILE_NAME = Pattern.compile("(.+)\\.([A-Za-z0-9_-]+)\\.(rsa|ed25519)\\.pem");
    static final Pattern DOMAIN =
            Pattern.compile("([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    static final Pattern SELECTOR = Pattern.compile("[A-Za-z0-9_-]{1,63}");
    static final int DEFAULT_RSA_BITS = 2048;

    /** What one file gave the last time it was read. */
    private record Loaded(FileTime modified, long size, SigningKey key, String problem) {}

    /** The keys as they stand after a scan. */
    record Snapshot(
            Map<String, List<SigningKey>> byDomain,
            Map<String, List<Path>> brokenByDomain,
            boolean directoryExists,
            long version) {
        /** The key that signs for (domain, algorithm): the greatest selector. */
        Optional<SigningKey> active(String domain, String algorithm) {
            return byDomain.getOrDefault(domain, List.of()).stream()
                    .filter(k -> k.algorithm().equals(algorithm))
                    .max(Comparator.comparing(SigningKey::selector));
        }

        List<Path> broken(String domain) {
            return brokenByDomain.getOrDefault(domain, List.of());
        }
    }

    private final Path directory;
    private final long rescanNanos;
    private final LongSupplier nanoTime;
    private final Map<Path, Loaded> loaded = new HashMap<>();
    private Snapshot snapshot;
    private long lastScan;
    private long version;
    private String directoryState = "";
    /** The record names ({@code <selector>._domainkey.<domain>}) already warned about as shared. */
    private Set<String> sharedSelectors = Set.of();

    /**
     * @param rescanNanos the least time between two listings of the directory (0: every time)
     */
    KeyDirectory(Path directory, long rescanNanos, LongSupplier nanoTime) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.rescanNanos = rescanNanos;
        this.nanoTime = nanoTime;
    }

    Path directory() {
        return directory;
    }

    /** The keys now, listing the directory again when the rescan interval has passed. */
    synchronized Snapshot keys() {
        long now = nanoTime.getAsLong();
        if (snapshot == null || now - lastScan >= rescanNanos) {
            lastScan = now;
            scan();
        }
        return snapshot;
    }

    /** Lists the directory now, whatever the interval. */
    synchronized Snapshot rescan() {
        lastScan = nanoTime.getAsLong();
        scan();
        return snapshot;
    }

    private void scan() {
        boolean exists = Files.isDirectory(directory);
        checkDirectory(exists);
        boolean changed = false;
        Set<Path> seen = new HashSet<>();
        if (exists) {
            List<Path> files;
            try (Stream<Path> s = Files.list(directory)) {
                files = s.filter(p -> p.getFileName().toString().endsWith(".pem"))
                        .sorted()
                        .toList();
            } catch (IOException e) {
                LOG.error(
                        "DKIM key directory {} cannot be listed ({}): mail goes out unsigned", directory, e.toString());
                files = List.of();
            }
            for (Path file : files) {
                seen.add(file);
                changed |= load(file);
            }
        }
        changed |= loaded.keySet().retainAll(seen);
        if (snapshot == null || changed || snapshot.directoryExists() != exists) {
            version++;
            Map<String, List<SigningKey>> byDomain = new LinkedHashMap<>();
            Map<String, List<Path>> broken = new LinkedHashMap<>();
            loaded.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
                Loaded l = e.getValue();
                if (l.key() != null) {
                    byDomain.computeIfAbsent(l.key().domain(), d -> new ArrayList<>())
                            .add(l.key());
                } else {
                    Matcher m = FILE_NAME.matcher(e.getKey().getFileName().toString());
                    if (m.matches()) {
                        broken.computeIfAbsent(m.group(1).toLowerCase(Locale.ROOT), d -> new ArrayList<>())
                                .add(e.getKey());
                    }
                }
            });
            byDomain.replaceAll((d, l) -> List.copyOf(l));
            broken.replaceAll((d, l) -> List.copyOf(l));
            warnSharedSelectors(byDomain);
            snapshot = new Snapshot(Map.copyOf(byDomain), Map.copyOf(broken), exists, version);
        }
    }

    /** Reads a file again if it changed; whether anything changed. */
    private boolean load(Path file) {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            return loaded.remove(file) != null;
        }
        Loaded before = loaded.get(file);
        if (before != null
                && before.modified().equals(attributes.lastModifiedTime())
                && before.size() == attributes.size()) {
            return false;
        }
        String name = file.getFileName().toString();
        Matcher m = FILE_NAME.matcher(name);
        SigningKey key = null;
        String problem = null;
        if (!m.matches()) {
            problem = "not named <domain>.<selector>.<rsa|ed25519>.pem";
            LOG.warn("DKIM key directory: {} is ignored: {}", file, problem);
        } else {
            warnIfOthersCanRead(file, "key file", "chmod 600");
            String domain = m.group(1).toLowerCase(Locale.ROOT);
            try {
                PrivateKey k = PrivateKeyPem.parse(Files.readString(file, StandardCharsets.ISO_8859_1), m.group(3));
                key = SigningKey.of(domain, m.group(2), m.group(3), k, file);
                if (key.algorithm().equals("rsa") && key.bits() < 1024) {
                    problem = "RSA key of " + key.bits() + " bits; receivers refuse keys under 1024 bits (RFC 8301)";
                    key = null;
                } else {
                    LOG.info(
                            "DKIM key {} loaded: {} {} bits, record {}",
                            file,
                            key.signatureAlgorithm(),
                            key.bits(),
                            key.dnsName());
                }
            } catch (IOException e) {
                problem = "cannot be read (" + e.getClass().getSimpleName() + ")";
            } catch (GeneralSecurityException e) {
                problem = e.getMessage();
            }
            if (problem != null) {
                LOG.error(
                        "DKIM key file {} is unusable: {}; mail from {} is sent without this signature",
                        file,
                        problem,
                        domain);
            }
        }
        loaded.put(file, new Loaded(attributes.lastModifiedTime(), attributes.size(), key, problem));
        return true;
    }

    /** Warns once about each selector that holds more than one key (selectors compare without case, as DNS names). */
    private void warnSharedSelectors(Map<String, List<SigningKey>> byDomain) {
        Set<String> now = new HashSet<>();
        byDomain.forEach((domain, keys) -> {
            Map<String, List<SigningKey>> bySelector = new TreeMap<>();
            keys.forEach(k -> bySelector
                    .computeIfAbsent(k.selector().toLowerCase(Locale.ROOT), x -> new ArrayList<>())
                    .add(k));
            bySelector.forEach((selector, same) -> {
                String name = selector + "._domainkey." + domain;
                if (same.size() > 1) {
                    now.add(name);
                    if (!sharedSelectors.contains(name)) {
                        LOG.warn(
                                "DKIM keys {} share the selector {} of {}: that is {} TXT records at {}, and verifiers may "
                                        + "pick the wrong one. Give all but one a new selector (mta:dkim-keygen {}) and delete its file",
                                same.stream().map(k -> k.file().toString()).toList(),
                                same.get(0).selector(),
                                domain,
                                same.size(),
                                name,
                                domain);
                    }
                }
            });
        });
        sharedSelectors = Set.copyOf(now);
    }

    /** A key file of the domain under this selector, whatever its algorithm (selectors compare without case). */
    private Optional<Path> selectorInUse(String domain, String selector) throws IOException {
        if (!Files.isDirectory(directory)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(f -> {
                        Matcher m = FILE_NAME.matcher(f.getFileName().toString());
                        return m.matches()
                                && m.group(1).equalsIgnoreCase(domain)
                                && m.group(2).equalsIgnoreCase(selector);
                    })
                    .sorted()
                    .findFirst();
        }
    }

    private void checkDirectory(boolean exists) {
        String state;
        if (!exists) {
            state = "missing";
        } else {
            state = othersCanRead(directory) ? "open" : "ok";
        }
        if (!state.equals(directoryState)) {
            directoryState = state;
            if (state.equals("missing")) {
                LOG.warn(
                        "DKIM key directory {} does not exist: nothing is signed until keys are put there (mta:dkim-keygen)",
                        directory);
            } else if (state.equals("open")) {
                LOG.warn(
                        "DKIM key directory {} can be read by other users; make it readable by the service only (chmod 700 or 2770)",
                        directory);
            }
        }
    }

    private static void warnIfOthersCanRead(Path file, String what, String fix) {
        if (othersCanRead(file)) {
            LOG.warn(
                    "DKIM {} {} can be read by other users; it is still used, but fix it: {} {}",
                    what,
                    file,
                    fix,
                    file);
        }
    }

    private static boolean othersCanRead(Path path) {
        try {
            return Files.getPosixFilePermissions(path).contains(PosixFilePermission.OTHERS_READ);
        } catch (UnsupportedOperationException | IOException e) {
            return false; // not a POSIX file system: nothing to say
        }
    }

    /** The file a key is stored in. */
    Path file(String domain, String selector, String algorithm) {
        return directory.resolve(domain + "." + selector + "." + algorithm + ".pem");
    }

    /**
     * Generates and stores a key; never overwrites. The directory is made 0700 if it does not exist
     * (an existing one keeps its mode, e.g. the package's 2770), the file 0600.
     */
    synchronized SigningKey generate(String domain, String selector, String algorithm, int bits) throws IOException {
        String d = checkDomain(domain);
        if (selector == null || !SELECTOR.matcher(selector).matches()) {
            throw new IllegalArgumentException(
                    "invalid selector: letters, digits, '-' and '_' only (no dots in this key layout)");
        }
        String alg = algorithm == null ? "rsa" : algorithm.toLowerCase(Locale.ROOT);
        if (!alg.equals("rsa") && !alg.equals("ed25519")) {
            throw new IllegalArgumentException("algorithm must be rsa or ed25519");
        }
        int size = bits <= 0 ? DEFAULT_RSA_BITS : bits;
        if (alg.equals("rsa") && (size < 1024 || size > 4096)) {
            throw new IllegalArgumentException("RSA size must be 1024 to 4096 bits (2048 recommended)");
        }
        Path file = file(d, selector, alg);
        Optional<Path> taken = Files.exists(file) ? Optional.of(file) : selectorInUse(d, selector);
        if (taken.isPresent()) {
            // two keys under one selector would be two TXT records at one name
            throw new FileAlreadyExistsException(
                    taken.get().toString(),
                    null,
                    "a key with the selector " + selector + " exists for " + d
                            + "; one key per selector: choose another");
        }
        KeyPair pair;
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(alg.equals("rsa") ? "RSA" : "Ed25519");
            if (alg.equals("rsa")) {
                generator.initialize(size);
            }
            pair = generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot generate an " + alg + " key: " + e.getMessage(), e);
        }
        if (!Files.isDirectory(directory)) {
            createPrivately(directory);
        }
        write(file, PrivateKeyPem.format(pair.getPrivate()));
        try {
            SigningKey key = SigningKey.of(d, selector, alg, pair.getPrivate(), file);
            LOG.info("DKIM key generated: {} ({} {} bits)", file, key.signatureAlgorithm(), key.bits());
            return key;
        } catch (GeneralSecurityException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    static String checkDomain(String domain) {
        String d = domain == null ? "" : domain.strip().toLowerCase(Locale.ROOT);
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        if (!DOMAIN.matcher(d).matches()) {
            throw new IllegalArgumentException("invalid domain: " + domain);
        }
        return d;
    }

    private static void createPrivately(Path dir) throws IOException {
        try {
            Files.createDirectories(
                    dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (UnsupportedOperationException e) {
            Files.createDirectories(dir);
        }
    }

    /** Creates the file with mode 0600 from the start (no moment where it is readable by others). */
    private static void write(Path file, String text) throws IOException {
        FileAttribute<?>[] attributes =
                file.getFileSystem().supportedFileAttributeViews().contains("posix")
                        ? new FileAttribute<?>[] {
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
                        }
                        : new FileAttribute<?>[0];
        try (OutputStream out = Channels.newOutputStream(Files.newByteChannel(
                file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attributes))) {
            out.write(text.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchFileException e) {
            throw new IOException("the DKIM key directory " + file.getParent() + " does not exist", e);
        }
    }
}
