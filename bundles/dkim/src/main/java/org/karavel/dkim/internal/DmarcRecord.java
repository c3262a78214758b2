package org.karavel.dkim.internal;

import java.util.Locale;
import java.util.Optional;

/**
 * A DMARC policy record (RFC 7489 §6.3): the tags this verifier acts on.
 *
 * @param policy p=: none, quarantine or reject
 * @param subdomainPolicy sp=, when given
 * @param percent pct=, 0 to 100 (default 100)
 * @param strictDkim adkim=s
 * @param strictSpf aspf=s
 */
public record DmarcRecord(
        String policy, Optional<String> subdomainPolicy, int percent, boolean strictDkim, boolean strictSpf) {
    /** Parses a TXT string; empty when it is not a usable DMARC record. */
    public static Optional<DmarcRecord> parse(String txt) {
        TagList tags;
        try {
            tags = TagList.parse(txt);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (!"v".equals(tags.firstName().orElse(""))
                || !"DMARC1".equals(tags.get("v").orElse(""))) {
            return Optional.empty();
        }
        Optional<String> p = tags.get("p").map(DmarcRecord::policyValue);
        if (p.isEmpty() || p.get().isEmpty()) {
            // §6.6.3: a record with an invalid or missing p= but a valid rua= is treated as p=none
            if (tags.has("rua")) {
                p = Optional.of("none");
            } else {
                return Optional.empty();
            }
        }
        Optional<String> sp = tags.get("sp").map(DmarcRecord::policyValue).filter(s -> !s.isEmpty());
        int pct = 100;
        Optional<String> pctText = tags.get("pct");
        if (pctText.isPresent() && pctText.get().matches("\\d{1,3}")) {
            pct = Math.min(100, Integer.parseInt(pctText.get()));
        }
        return Optional.of(new DmarcRecord(
                p.get(),
                sp,
                pct,
                "s".equalsIgnoreCase(tags.get("adkim").orElse("r")),
                "s".equalsIgnoreCase(tags.get("aspf").orElse("r"))));
    }

    private static String policyValue(String v) {
        String l = v.toLowerCase(Locale.ROOT);
        return l.equals("none") || l.equals("quarantine") || l.equals("reject") ? l : "";
    }
}
