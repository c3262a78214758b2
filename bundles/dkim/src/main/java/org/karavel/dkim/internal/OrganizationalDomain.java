package org.karavel.dkim.internal;

import com.google.common.net.InternetDomainName;
import java.util.Locale;

/**
 * The organisational domain of RFC 7489 §3.2: the public suffix of a name plus one label, from the
 * public suffix list that Guava carries. A name under no listed suffix takes its last label as the
 * suffix (the list's implicit "*" rule).
 */
public final class OrganizationalDomain {
    private OrganizationalDomain() {}

    public static String of(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        try {
            InternetDomainName name = InternetDomainName.from(d);
            if (name.isUnderPublicSuffix()) {
                return name.topPrivateDomain().toString();
            }
            if (name.isPublicSuffix()) {
                return d;
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            // not a name Guava accepts: fall back to the implicit rule below
        }
        String[] labels = d.split("\\.");
        return labels.length <= 2 ? d : labels[labels.length - 2] + "." + labels[labels.length - 1];
    }

    /** Whether two domains are aligned: equal when strict, same organisational domain when relaxed. */
    public static boolean aligned(String a, String b, boolean strict) {
        String x = a.toLowerCase(Locale.ROOT);
        String y = b.toLowerCase(Locale.ROOT);
        return strict ? x.equals(y) : of(x).equals(of(y));
    }
}
