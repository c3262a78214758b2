package org.karavel.auth.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.karavel.api.address.AddressSyntaxException;
import org.karavel.api.address.MailAddress;
import org.karavel.api.auth.MailboxUserAdmin;
import org.karavel.api.auth.MailboxUsers;
import org.karavel.api.recipient.Alias;
import org.karavel.api.recipient.AliasAdmin;
import org.karavel.api.recipient.Expansion;
import org.karavel.api.recipient.RecipientExpansion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The users of one Dovecot passwd-file and the virtual alias file: checks passwords on a hashing
 * executor, expands recipients through the aliases, re-reads the files when they change, and
 * rewrites either file atomically (temporary file, fsync, rename; mode 0600) for the admin operations.
 */
public final class MailboxUserDirectory implements MailboxUsers, MailboxUserAdmin, RecipientExpansion, AliasAdmin {
    private static final Logger LOG = LoggerFactory.getLogger(MailboxUserDirectory.class);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    /** What we know of a file's version: a change in any of these triggers a re-read. */
    private record FileStamp(boolean exists, long modified, long size, Object fileKey) {
        static final FileStamp ABSENT = new FileStamp(false, 0, 0, null);
    }

    private record Snapshot(
            Map<String, PasswdEntry> users, VirtualAliasMap aliasMap, Map<String, Set<MailAddress>> aliases) {}

    private final Path passwdFile;
    private final Path aliasesFile;
    private final PasswordScheme defaultScheme;
    private final Executor hashing;
    /** A hash of a random password, verified for unknown users so that they cost what known ones do. */
    private final UnknownUserHash dummy;

    private final Object writeLock = new Object();
    private final String recipientDelimiter;

    private volatile Snapshot snapshot = new Snapshot(Map.of(), VirtualAliasMap.EMPTY, Map.of());
    private FileStamp passwdStamp;
    private FileStamp aliasesStamp;
    private boolean warnedAbsent;

    /**
     * @param aliasesFile null when there are no sender aliases
     * @param hashing where password hashes are computed (slow by design: never a MINA I/O thread)
     */
    public MailboxUserDirectory(Path passwdFile, Path aliasesFile, PasswordScheme defaultScheme, Executor hashing) {
        this(passwdFile, aliasesFile, defaultScheme, hashing, "+");
    }

    /** @param recipientDelimiter characters that start an address extension ({@code user+ext}); empty for none */
    public MailboxUserDirectory(
            Path passwdFile,
            Path aliasesFile,
            PasswordScheme defaultScheme,
            Executor hashing,
            String recipientDelimiter) {
        this.recipientDelimiter = recipientDelimiter == null ? "" : recipientDelimiter;
        this.passwdFile = Objects.requireNonNull(passwdFile, "passwdFile");
        this.aliasesFile = aliasesFile;
        this.defaultScheme = Objects.requireNonNull(defaultScheme, "defaultScheme");
        this.hashing = Objects.requireNonNull(hashing, "hashing");
        this.dummy = new UnknownUserHash(defaultScheme);
        reloadIfChanged();
    }

    /** Re-reads the files whose modification time, size or identity changed. Called by a poller. */
    public synchronized void reloadIfChanged() {
        FileStamp p = stamp(passwdFile);
        FileStamp a = aliasesFile == null ? FileStamp.ABSENT : stamp(aliasesFile);
        if (p.equals(passwdStamp) && a.equals(aliasesStamp)) {
            return;
        }
        Snapshot old = snapshot;
        Map<String, PasswdEntry> users = old.users();
        VirtualAliasMap aliasMap = old.aliasMap();
        if (!p.equals(passwdStamp)) {
            if (!p.exists()) {
                users = Map.of();
                if (!warnedAbsent) {
                    LOG.warn("{} does not exist: no users can authenticate", passwdFile);
                    warnedAbsent = true;
                }
            } else {
                warnedAbsent = false;
                try {
                    users = PasswdFile.parse(
                            Files.readAllLines(passwdFile, StandardCharsets.UTF_8), passwdFile.toString());
                    LOG.info("{}: {} users", passwdFile, users.size());
                } catch (IOException e) {
                    // keep the users we had: a file caught half-written or unreadable must not lock everyone out
                    LOG.warn(
                            "{} could not be read ({}); keeping the {} users read before",
                            passwdFile,
                            e.toString(),
                            users.size());
                    p = passwdStamp;
                }
            }
            passwdStamp = p;
        }
        if (!a.equals(aliasesStamp)) {
            if (!a.exists()) {
                if (aliasesFile != null && aliasesStamp != null && aliasesStamp.exists()) {
                    LOG.warn("{} was removed: no sender aliases", aliasesFile);
                }
                aliasMap = VirtualAliasMap.EMPTY;
            } else {
                try {
                    aliasMap = VirtualAliasMap.parse(
                            Files.readAllLines(aliasesFile, StandardCharsets.UTF_8), aliasesFile.toString());
                    LOG.info("{}: {} aliases", aliasesFile, aliasMap.entries().size());
                } catch (IOException e) {
                    LOG.warn("{} could not be read ({}); keeping the aliases read before", aliasesFile, e.toString());
                    a = aliasesStamp;
                }
            }
            aliasesStamp = a;
        }
        snapshot = new Snapshot(users, aliasMap, aliasMap == old.aliasMap() ? old.aliases() : aliasMap.sendersByUser());
        dummy.update(users.values());
    }

    private static FileStamp stamp(Path file) {
        try {
            BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
            return new FileStamp(true, attrs.lastModifiedTime().toMillis(), attrs.size(), attrs.fileKey());
        } catch (NoSuchFileException e) {
            return FileStamp.ABSENT;
        } catch (IOException e) {
            return new FileStamp(true, -1, -1, null);
        }
    }

    @Override
    public CompletionStage<Optional<String>> authenticate(String username, char[] password) {
        if (username == null || password == null) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        PasswdEntry entry = snapshot.users().get(PasswdFile.key(username));
        try {
            return CompletableFuture.supplyAsync(
                    () -> {
                        if (entry == null) {
                            // same work as for a wrong password, so the answer time does not tell who exists
                            PasswdEntry unknown = dummy.entry();
                            unknown.scheme().verify(unknown.hash(), password);
                            return Optional.<String>empty();
                        }
                        return entry.scheme().verify(entry.hash(), password)
                                ? Optional.of(entry.user())
                                : Optional.<String>empty();
                    },
                    hashing);
        } catch (RejectedExecutionException e) {
            // too many authentications waiting: a backend error, so the client gets a 4xx
            return CompletableFuture.failedFuture(new IllegalStateException("too many authentications in progress", e));
        }
    }

    @Override
    public Set<MailAddress> allowedSenders(String user) {
        if (user == null) {
            return Set.of();
        }
        Snapshot s = snapshot;
        String key = PasswdFile.key(user);
        PasswdEntry entry = s.users().get(key);
        if (entry == null) {
            return Set.of();
        }
        Set<MailAddress> senders = new LinkedHashSet<>();
        try {
            senders.add(MailAddress.parse(entry.user()));
        } catch (AddressSyntaxException e) {
            // a user name that is not an address owns no address by itself, only its aliases
        }
        senders.addAll(s.aliases().getOrDefault(key, Set.of()));
        return Collections.unmodifiableSet(senders);
    }

    @Override
    public Expansion expand(MailAddress recipient) {
        Snapshot s = snapshot;
        return new AliasExpander(
                        s.aliasMap(),
                        a -> isUser(s, a),
                        recipientDelimiter,
                        aliasesFile == null ? "aliases" : aliasesFile.toString())
                .expand(recipient);
    }

    /** A passwd-file user named {@code local@domain}, or a bare {@code local} (a user of every local domain). */
    private static boolean isUser(Snapshot s, MailAddress address) {
        String local = address.localPart().toLowerCase(Locale.ROOT);
        return s.users().containsKey(local + "@" + address.domainKey())
                || s.users().containsKey(VirtualAliasMap.key(address))
                || s.users().containsKey(local);
    }

    @Override
    public List<Alias> aliases() {
        return snapshot.aliasMap().entries();
    }

    @Override
    public void add(String address, List<String> targets) throws IOException {
        checkAlias(address, targets, true);
        synchronized (writeLock) {
            Path file = aliasFile();
            List<String> lines = AtomicFile.readLines(file);
            List<String> changed = VirtualAliasMap.withTargets(
                    lines, address.strip(), targets.stream().map(String::strip).toList());
            if (!changed.equals(lines)) {
                AtomicFile.replace(file, changed);
                reloadIfChanged();
            }
        }
        LOG.info("{}: alias {} -> {} added", aliasesFile, address.strip(), targets);
    }

    @Override
    public boolean remove(String address, List<String> targets) throws IOException {
        checkAlias(address, targets, false);
        synchronized (writeLock) {
            Path file = aliasFile();
            List<String> lines = AtomicFile.readLines(file);
            List<String> changed = VirtualAliasMap.withoutTargets(
                    lines, address.strip(), targets.stream().map(String::strip).toList());
            if (changed.equals(lines)) {
                return false;
            }
            AtomicFile.replace(file, changed);
            reloadIfChanged();
        }
        LOG.info(
                "{}: alias {} {} removed", aliasesFile, address.strip(), targets.isEmpty() ? "(all targets)" : targets);
        return true;
    }

    private Path aliasFile() {
        if (aliasesFile == null) {
            throw new IllegalStateException("no aliases_file is configured (etc/org.karavel.auth.cfg)");
        }
        return aliasesFile;
    }

    private static void checkAlias(String address, List<String> targets, boolean needTargets) {
        if (address == null || VirtualAliasMap.key(address.strip()) == null) {
            throw new IllegalArgumentException("'" + address + "' is neither user@domain nor @domain");
        }
        if (needTargets && (targets == null || targets.isEmpty())) {
            throw new IllegalArgumentException("no targets given");
        }
        for (String t : targets == null ? List.<String>of() : targets) {
            if (t == null || VirtualAliasMap.targetKey(t.strip()) == null) {
                throw new IllegalArgumentException(
                        "target '" + t + "' is neither user@domain, @domain nor a user name");
            }
        }
    }

    @Override
    public List<String> list() {
        return snapshot.users().values().stream()
                .map(PasswdEntry::user)
                .sorted()
                .toList();
    }

    @Override
    public void add(String user, char[] password) throws IOException {
        checkUser(user);
        checkPassword(password);
        synchronized (writeLock) {
            List<String> lines = readLines();
            if (indexOf(lines, user) >= 0) {
                throw new IllegalArgumentException("user " + user + " exists already");
            }
            lines.add(user.strip() + ":{" + defaultScheme.dovecotName() + "}" + defaultScheme.hash(password));
            write(lines);
        }
        LOG.info("{}: user {} added", passwdFile, user.strip());
    }

    @Override
    public void setPassword(String user, char[] password) throws IOException {
        checkUser(user);
        checkPassword(password);
        synchronized (writeLock) {
            List<String> lines = readLines();
            int i = indexOf(lines, user);
            if (i < 0) {
                throw new IllegalArgumentException("no such user: " + user);
            }
            String line = lines.get(i).strip();
            int first = line.indexOf(':');
            int second = line.indexOf(':', first + 1);
            String rest = second < 0 ? "" : line.substring(second);
            lines.set(
                    i,
                    line.substring(0, first) + ":{" + defaultScheme.dovecotName() + "}" + defaultScheme.hash(password)
                            + rest);
            write(lines);
        }
        LOG.info("{}: password of user {} changed", passwdFile, user.strip());
    }

    @Override
    public boolean remove(String user) throws IOException {
        if (user == null || user.isBlank()) {
            return false;
        }
        synchronized (writeLock) {
            List<String> lines = readLines();
            int i = indexOf(lines, user);
            if (i < 0) {
                return false;
            }
            String key = PasswdFile.key(user);
            lines.removeIf(l -> key.equals(keyOf(l)));
            write(lines);
        }
        LOG.info("{}: user {} removed", passwdFile, user.strip());
        return true;
    }

    private static String keyOf(String line) {
        String u = PasswdFile.userOf(line);
        return u == null ? null : PasswdFile.key(u);
    }

    private static int indexOf(List<String> lines, String user) {
        String key = PasswdFile.key(user);
        for (int i = 0; i < lines.size(); i++) {
            if (key.equals(keyOf(lines.get(i)))) {
                return i;
            }
        }
        return -1;
    }

    private static void checkUser(String user) {
        if (user == null || !PasswdFile.isValidUser(user.strip())) {
            throw new IllegalArgumentException(
                    "not a valid user name (empty, or holds ':', white space or a control character)");
        }
    }

    private static void checkPassword(char[] password) {
        if (password == null || password.length == 0) {
            throw new IllegalArgumentException("the password is empty");
        }
    }

    private List<String> readLines() throws IOException {
        return AtomicFile.readLines(passwdFile);
    }

    /** Replaces the passwd-file in one step, so that a reader sees the old file or the new one, never a part. */
    private void write(List<String> lines) throws IOException {
        AtomicFile.replace(passwdFile, lines);
        reloadIfChanged();
    }
}
