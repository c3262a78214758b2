package org.karavel.admin.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.karavel.api.dkim.DkimKeys;
import org.karavel.api.domain.MailDomains;

/**
 * {@code GET /api/v1/dkim[?domain=]}: the DKIM keys of each local domain (or of the one asked for)
 * with the TXT record that publishes each, as {@code mta:dns-records} prints them. Read only: keys
 * are made with {@code mta:dkim-keygen}.
 */
final class DkimEndpoint {
    private final AdminServices services;

    DkimEndpoint(AdminServices services) {
        this.services = services;
    }

    Map<String, Object> keys(AdminRequest r) {
        DkimKeys keys = services.dkimKeys;
        if (keys == null) {
            throw ApiError.unavailable("the DKIM keys (bundle org.karavel.dkim)");
        }
        String asked = r.query().get("domain");
        List<String> domains;
        if (asked != null && !asked.isBlank()) {
            domains = List.of(DomainEndpoints.domain(asked));
        } else {
            MailDomains local = services.mailDomains;
            if (local == null) {
                throw ApiError.unavailable("the local domains (bundle org.karavel.relay)");
            }
            domains = new ArrayList<>(new TreeSet<>(local.localDomains()));
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String domain : domains) {
            for (DkimKeys.KeyRecord k : keys.records(domain)) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("domain", k.domain());
                row.put("selector", k.selector());
                row.put("algorithm", k.algorithm());
                row.put("bits", k.bits());
                row.put("active", k.active());
                row.put("name", k.dnsName());
                row.put("type", "TXT");
                row.put("value", k.txt());
                // the zone-file line, long values split into 255-octet strings
                row.put("record", k.dnsName() + ". IN TXT " + quoted(k.txt()));
                rows.add(row);
            }
        }
        return Map.of("domains", domains, "keys", rows);
    }

    static String quoted(String txt) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < txt.length(); i += 255) {
            parts.add("\"" + txt.substring(i, Math.min(txt.length(), i + 255)) + "\"");
        }
        return parts.size() == 1 ? parts.get(0) : "( " + String.join(" ", parts) + " )";
    }
}
