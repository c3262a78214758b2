package org.karavel.auth.internal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads Dovecot's passwd-file format: {@code user:{SCHEME}hash[:uid:gid:gecos:home:shell:extra]},
 * {@code #} comments and blank lines. A line that cannot be used is logged with the file name and
 * line number, never with its content (it may hold a hash), and skipped; the other users still work.
 */
final class PasswdFile {
    private static final Logger LOG = LoggerFactory.getLogger(PasswdFile.class);

    private PasswdFile() {}

    /** The users keyed by {@link #key(String)}; the first line wins when a user appears twice. */
    static Map<String, PasswdEntry> parse(List<String> lines, String fileName) {
        Map<String, PasswdEntry> users = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Optional<PasswdEntry> entry = parseLine(line, fileName, lineNo);
            if (entry.isEmpty()) {
                continue;
            }
            PasswdEntry e = entry.get();
            if (users.putIfAbsent(key(e.user()), e) != null) {
                LOG.warn("{} line {}: user {} appears again; the first entry is used", fileName, lineNo, e.user());
            }
        }
        return Collections.unmodifiableMap(users);
    }

    private static Optional<PasswdEntry> parseLine(String line, String fileName, int lineNo) {
        int colon = line.indexOf(':');
        if (colon <= 0) {
            LOG.warn("{} line {}: not of the form user:password, skipped", fileName, lineNo);
            return Optional.empty();
        }
        String user = line.substring(0, colon).strip();
        int end = line.indexOf(':', colon + 1);
        String password = (end < 0 ? line.substring(colon + 1) : line.substring(colon + 1, end)).strip();
        if (!isValidUser(user)) {
            LOG.warn("{} line {}: user name not valid, skipped", fileName, lineNo);
            return Optional.empty();
        }
        PasswordScheme scheme;
        String hash;
        if (password.startsWith("{")) {
            int close = password.indexOf('}');
            if (close < 0) {
                LOG.warn("{} line {}: user {}: unterminated {SCHEME}, skipped", fileName, lineNo, user);
                return Optional.empty();
            }
            String name = password.substring(1, close);
            hash = password.substring(close + 1);
            Optional<PasswordScheme> s = PasswordScheme.byName(name);
            if (s.isEmpty() && name.equalsIgnoreCase("CRYPT")) {
                // {CRYPT} is libc crypt(3): usable when the hash is one of the $id$ forms we know
                s = PasswordScheme.byPrefix(hash);
            }
            if (s.isEmpty()) {
                // the scheme name is not secret; only letters, digits and '-' are echoed
                LOG.warn(
                        "{} line {}: user {}: unsupported password scheme {}, skipped",
                        fileName,
                        lineNo,
                        user,
                        "{" + name.replaceAll("[^A-Za-z0-9-]", "?") + "}");
                return Optional.empty();
            }
            scheme = s.get();
        } else {
            hash = password;
            Optional<PasswordScheme> s = PasswordScheme.byPrefix(hash);
            if (s.isEmpty()) {
                LOG.warn(
                        "{} line {}: user {}: password is neither {SCHEME}hash nor a known crypt hash, skipped",
                        fileName,
                        lineNo,
                        user);
                return Optional.empty();
            }
            scheme = s.get();
        }
        if (!scheme.isWellFormed(hash)) {
            LOG.warn("{} line {}: user {}: malformed {} hash, skipped", fileName, lineNo, user, scheme.dovecotName());
            return Optional.empty();
        }
        return Optional.of(new PasswdEntry(user, scheme, hash));
    }

    /** A user name we can store: not empty, no colon, no white space or control characters. */
    static boolean isValidUser(String user) {
        if (user == null || user.isEmpty() || user.length() > 320) {
            return false;
        }
        for (int i = 0; i < user.length(); i++) {
            char c = user.charAt(i);
            if (c == ':' || c == '#' && i == 0 || Character.isWhitespace(c) || Character.isISOControl(c)) {
                return false;
            }
        }
        return true;
    }

    /** User names are matched case-insensitively, as mail addresses mostly are in practice. */
    static String key(String user) {
        return user.strip().toLowerCase(Locale.ROOT);
    }

    /** The user name of a line, or null for comments, blank and unusable lines (used when rewriting). */
    static String userOf(String line) {
        String l = line.strip();
        if (l.isEmpty() || l.startsWith("#")) {
            return null;
        }
        int colon = l.indexOf(':');
        return colon <= 0 ? null : l.substring(0, colon).strip();
    }
}
