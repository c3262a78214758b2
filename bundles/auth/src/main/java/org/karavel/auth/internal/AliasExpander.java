package org.karavel.auth.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import org.karavel.api.address.AddressSyntaxException;
import org.karavel.api.address.MailAddress;
import org.karavel.api.recipient.Expansion;

/**
 * Postfix virtual_alias_maps expansion over one {@link VirtualAliasMap}: recursive, an address that
 * maps to itself is kept and not expanded again, duplicates dropped. Lookup order for
 * {@code user+ext@domain}: the address, {@code user@domain} (the extension carried over to the
 * targets, Postfix propagate_unmatched_extensions), then a user of the user store stops the search,
 * then the {@code @domain} catch-all. Users coming before a catch-all is Mail-in-a-Box's rule (with
 * plain Postfix every user needs a line mapping it to itself). Unlike Postfix, which only stops at
 * a nesting limit of 1000, a loop between aliases is named as such.
 */
final class AliasExpander {
    /** Postfix virtual_alias_recursion_limit and virtual_alias_expansion_limit. */
    static final int RECURSION_LIMIT = 1000;

    static final int EXPANSION_LIMIT = 1000;

    private final VirtualAliasMap map;
    private final Predicate<MailAddress> isUser;
    private final String delimiters;
    private final String fileName;

    /**
     * @param isUser whether an address (without its extension) is a user of the user store
     * @param delimiters recipient delimiter characters ({@code +}); empty for none
     * @param fileName named in failures, for the operator
     */
    AliasExpander(VirtualAliasMap map, Predicate<MailAddress> isUser, String delimiters, String fileName) {
        this.map = map;
        this.isUser = isUser;
        this.delimiters = delimiters == null ? "" : delimiters;
        this.fileName = fileName;
    }

    private static final class Failure extends Exception {
        Failure(String message) {
            super(message, null, false, false);
        }
    }

    Expansion expand(MailAddress recipient) {
        if (recipient.isNullSender() || recipient.isAddressLiteral()) {
            return Expansion.unknown(recipient);
        }
        List<MailAddress> first = lookup(recipient);
        if (first == null) {
            return isUser(recipient) ? Expansion.user(recipient) : Expansion.unknown(recipient);
        }
        Map<String, MailAddress> out = new LinkedHashMap<>();
        Set<String> kept = new HashSet<>();
        try {
            visit(recipient, first, new ArrayList<>(List.of(VirtualAliasMap.key(recipient))), kept, out);
        } catch (Failure f) {
            return Expansion.failed(f.getMessage());
        }
        if (out.isEmpty()) {
            return Expansion.failed(fileName + ": " + recipient + " expands to no usable address");
        }
        return Expansion.alias(List.copyOf(out.values()));
    }

    private void visit(
            MailAddress address,
            List<MailAddress> targets,
            List<String> path,
            Set<String> kept,
            Map<String, MailAddress> out)
            throws Failure {
        if (path.size() > RECURSION_LIMIT) {
            throw new Failure(fileName + ": alias nesting deeper than " + RECURSION_LIMIT + " for " + path.get(0));
        }
        String self = VirtualAliasMap.key(address);
        for (MailAddress t : targets) {
            String key = VirtualAliasMap.key(t);
            if (key.equals(self)) {
                kept.add(key); // an address that maps to itself is delivered as it is
            }
            List<MailAddress> next = kept.contains(key) ? null : lookup(t);
            if (next == null) {
                out.putIfAbsent(key, t);
                if (out.size() > EXPANSION_LIMIT) {
                    throw new Failure(
                            fileName + ": " + path.get(0) + " expands to more than " + EXPANSION_LIMIT + " addresses");
                }
                continue;
            }
            if (path.contains(key)) {
                throw new Failure(fileName + ": alias loop " + String.join(" -> ", path) + " -> " + key);
            }
            path.add(key);
            visit(t, next, path, kept, out);
            path.remove(path.size() - 1);
        }
    }

    /** One step through the map: the targets for this address, or null when no alias applies. */
    private List<MailAddress> lookup(MailAddress address) {
        String local = address.localPart();
        String domain = address.domain();
        List<String> t = map.lookup(VirtualAliasMap.key(address));
        if (t != null) {
            return resolve(t, local, "", domain);
        }
        int cut = extensionStart(local);
        if (cut > 0) {
            t = map.lookup(VirtualAliasMap.key(local.substring(0, cut) + "@" + domain));
            if (t != null) {
                return resolve(t, local, local.substring(cut), domain);
            }
        }
        if (isUser(address)) {
            return null;
        }
        String domainKey = VirtualAliasMap.domainKey(domain);
        t = domainKey == null ? null : map.lookup("@" + domainKey);
        return t == null ? null : resolve(t, local, "", domain);
    }

    /**
     * The targets as addresses: {@code @domain} takes the original local part, a bare user name the
     * original domain, and the extension the lookup removed goes back onto the others.
     */
    private static List<MailAddress> resolve(List<String> targets, String local, String extension, String domain) {
        List<MailAddress> out = new ArrayList<>(targets.size());
        for (String t : targets) {
            try {
                if (t.startsWith("@")) {
                    out.add(MailAddress.parse(local + t));
                } else if (t.indexOf('@') < 0) {
                    out.add(MailAddress.parse(t + extension + "@" + domain));
                } else if (extension.isEmpty()) {
                    out.add(MailAddress.parse(t));
                } else {
                    MailAddress plain = MailAddress.parse(t);
                    out.add(
                            plain.isQuoted()
                                    ? plain
                                    : MailAddress.parse(plain.localPart() + extension + "@" + plain.domain()));
                }
            } catch (AddressSyntaxException e) {
                // parse() checked every target; only a combination past the length limits lands here
                out.add(null);
            }
        }
        out.removeIf(Objects::isNull);
        return out;
    }

    /** Whether the address, without its extension, is a user. */
    boolean isUser(MailAddress address) {
        if (isUser.test(address)) {
            return true;
        }
        int cut = extensionStart(address.localPart());
        if (cut <= 0) {
            return false;
        }
        try {
            return isUser.test(MailAddress.parse(address.localPart().substring(0, cut) + "@" + address.domain()));
        } catch (AddressSyntaxException e) {
            return false;
        }
    }

    /** Where the extension of a local part starts ({@code user+ext}: 4), or -1. */
    private int extensionStart(String local) {
        if (delimiters.isEmpty() || local.startsWith("\"")) {
            return -1;
        }
        for (int i = 1; i < local.length(); i++) {
            if (delimiters.indexOf(local.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }
}
