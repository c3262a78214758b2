package org.karavel.auth.internal;

import java.net.IDN;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.karavel.api.address.AddressSyntaxException;
import org.karavel.api.address.MailAddress;
import org.karavel.api.recipient.Alias;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The virtual alias file, in Postfix's virtual(5) style: {@code address target[, target...]} per
 * line, {@code #} comments, {@code @domain} as the address of a catch-all and as a target meaning
 * "the same local part at that domain", a bare user name as a target meaning that name at the address's domain. One file serves two purposes, as in Mail-in-a-Box: mail for
 * the address goes to the targets (virtual_alias_maps), and the targets that are users may send as
 * the address (smtpd_sender_login_maps). Lines for the same address add up.
 */
final class VirtualAliasMap {
    static final VirtualAliasMap EMPTY = new VirtualAliasMap(Map.of(), Map.of());
    private static final Logger LOG = LoggerFactory.getLogger(VirtualAliasMap.class);

    /** Targets by {@link #key} of the address, in file order. */
    private final Map<String, List<String>> targets;
    /** The address as first written, by key (for listing). */
    private final Map<String, String> written;

    private VirtualAliasMap(Map<String, List<String>> targets, Map<String, String> written) {
        this.targets = targets;
        this.written = written;
    }

    static VirtualAliasMap parse(List<String> lines, String fileName) {
        Map<String, LinkedHashSet<String>> byKey = new LinkedHashMap<>();
        Map<String, String> written = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String[] fields = fields(lines.get(i));
            if (fields == null) {
                continue;
            }
            if (fields.length < 2) {
                LOG.warn("{} line {}: expected 'address target[, target...]', skipped", fileName, i + 1);
                continue;
            }
            String key = key(fields[0]);
            if (key == null) {
                LOG.warn(
                        "{} line {}: '{}' is neither user@domain nor @domain, skipped",
                        fileName,
                        i + 1,
                        printable(fields[0]));
                continue;
            }
            LinkedHashSet<String> t = byKey.computeIfAbsent(key, k -> new LinkedHashSet<>());
            written.putIfAbsent(key, fields[0]);
            for (int f = 1; f < fields.length; f++) {
                if (targetKey(fields[f]) == null) {
                    LOG.warn(
                            "{} line {}: target '{}' is neither user@domain, @domain nor a user name, left out",
                            fileName,
                            i + 1,
                            printable(fields[f]));
                } else {
                    t.add(fields[f]);
                }
            }
        }
        Map<String, List<String>> frozen = new HashMap<>();
        byKey.forEach((k, v) -> {
            if (!v.isEmpty()) {
                frozen.put(k, List.copyOf(v));
            }
        });
        return new VirtualAliasMap(Collections.unmodifiableMap(frozen), Map.copyOf(written));
    }

    /** The fields of a line (address first), or null for blank and comment lines. */
    static String[] fields(String line) {
        String l = line.strip();
        if (l.isEmpty() || l.startsWith("#")) {
            return null;
        }
        return l.split("[\\s,]+");
    }

    /** The targets of an address or {@code @domain} key, or null when the map has none. */
    List<String> lookup(String key) {
        return targets.get(key);
    }

    boolean isEmpty() {
        return targets.isEmpty();
    }

    /** Every alias, sorted by address. */
    List<Alias> entries() {
        Map<String, Alias> sorted = new TreeMap<>();
        targets.forEach((k, v) -> sorted.put(k, new Alias(written.getOrDefault(k, k), v)));
        return List.copyOf(sorted.values());
    }

    /**
     * The addresses each user may send as, by user key ({@link PasswdFile#key}): every alias address
     * (not a catch-all) that lists the user as a target.
     */
    Map<String, Set<MailAddress>> sendersByUser() {
        Map<String, Set<MailAddress>> byUser = new HashMap<>();
        targets.forEach((k, list) -> {
            if (k.startsWith("@")) {
                return; // a catch-all grants no sender address: it would let one user forge a whole domain
            }
            MailAddress alias;
            try {
                alias = MailAddress.parse(written.getOrDefault(k, k));
            } catch (AddressSyntaxException e) {
                return;
            }
            for (String t : list) {
                byUser.computeIfAbsent(PasswdFile.key(t), u -> new LinkedHashSet<>())
                        .add(alias);
            }
        });
        Map<String, Set<MailAddress>> frozen = new HashMap<>();
        byUser.forEach((k, v) -> frozen.put(k, Collections.unmodifiableSet(v)));
        return Collections.unmodifiableMap(frozen);
    }

    /**
     * The comparable form of {@code user@domain} or {@code @domain}: local part in lower case, domain
     * in lower-case ASCII (A-label); null for anything else.
     */
    static String key(String entry) {
        if (entry == null || entry.isEmpty()) {
            return null;
        }
        if (entry.startsWith("@")) {
            String d = domainKey(entry.substring(1));
            return d == null ? null : "@" + d;
        }
        try {
            return key(MailAddress.parse(entry));
        } catch (AddressSyntaxException e) {
            return null;
        }
    }

    /**
     * The comparable form of a target: as {@link #key(String)}, or a bare user name of the passwd-file
     * (a user without a domain, as Dovecot allows), which stands for that name at the alias's domain.
     */
    static String targetKey(String target) {
        if (target != null && target.matches("[A-Za-z0-9._+=-]+")) {
            return target.toLowerCase(Locale.ROOT);
        }
        return key(target);
    }

    static String key(MailAddress address) {
        String d = address.isAddressLiteral() ? address.domainKey() : domainKey(address.domain());
        return address.localPart().toLowerCase(Locale.ROOT) + "@" + (d == null ? address.domainKey() : d);
    }

    static String domainKey(String domain) {
        String d = domain.strip();
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        if (d.isEmpty() || d.startsWith(".") || d.contains("..") || d.startsWith("[")) {
            return null;
        }
        try {
            String ascii = IDN.toASCII(d, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
            return ascii.matches("[a-z0-9.-]+") ? ascii : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The file's lines with targets added to an address (a new line when it has none). */
    static List<String> withTargets(List<String> lines, String address, List<String> added) {
        String key = key(address);
        List<String> out = new ArrayList<>(lines);
        Set<String> present = new LinkedHashSet<>();
        int first = -1;
        for (int i = 0; i < out.size(); i++) {
            String[] f = fields(out.get(i));
            if (f != null && key.equals(key(f[0]))) {
                if (first < 0) {
                    first = i;
                }
                for (int j = 1; j < f.length; j++) {
                    present.add(targetKey(f[j]));
                }
            }
        }
        List<String> fresh = new ArrayList<>();
        for (String t : added) {
            if (present.add(targetKey(t))) {
                fresh.add(t);
            }
        }
        if (fresh.isEmpty()) {
            return out;
        }
        if (first < 0) {
            out.add(address + " " + String.join(", ", fresh));
        } else {
            String[] f = fields(out.get(first));
            List<String> all = new ArrayList<>(List.of(f).subList(1, f.length));
            all.addAll(fresh);
            out.set(first, f[0] + " " + String.join(", ", all));
        }
        return out;
    }

    /**
     * The file's lines without the given targets of an address (all of its lines when {@code removed}
     * is empty); a line left without targets goes.
     */
    static List<String> withoutTargets(List<String> lines, String address, List<String> removed) {
        String key = key(address);
        Set<String> gone = new LinkedHashSet<>();
        removed.forEach(t -> gone.add(targetKey(t)));
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            String[] f = fields(line);
            if (f == null || !key.equals(key(f[0]))) {
                out.add(line);
                continue;
            }
            if (gone.isEmpty()) {
                continue;
            }
            List<String> kept = new ArrayList<>();
            for (int j = 1; j < f.length; j++) {
                if (!gone.contains(targetKey(f[j]))) {
                    kept.add(f[j]);
                }
            }
            if (kept.size() == f.length - 1) {
                out.add(line);
            } else if (!kept.isEmpty()) {
                out.add(f[0] + " " + String.join(", ", kept));
            }
        }
        return out;
    }

    /** Only printable ASCII of an entry goes to the log. */
    private static String printable(String s) {
        return s.replaceAll("[^\\x21-\\x7e]", "?");
    }
}
