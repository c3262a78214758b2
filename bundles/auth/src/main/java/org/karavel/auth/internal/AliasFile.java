package org.karavel.auth.internal;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.karavel.api.address.AddressSyntaxException;
import org.karavel.api.address.MailAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads sender aliases in Postfix's virtual-map style: {@code alias@domain user@domain[, user2@domain]}
 * per line, {@code #} comments. Each line lets the listed users send as the alias address.
 */
final class AliasFile {
    private static final Logger LOG = LoggerFactory.getLogger(AliasFile.class);

    private AliasFile() {
    }

    /** Extra sender addresses by user key ({@link PasswdFile#key(String)}). */
    static Map<String, Set<MailAddress>> parse(List<String> lines, String fileName) {
        Map<String, Set<MailAddress>> byUser = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split("[\\s,]+");
            if (fields.length < 2) {
                LOG.warn("{} line {}: expected 'alias@domain user@domain', skipped", fileName, i + 1);
                continue;
            }
            MailAddress alias;
            try {
                alias = MailAddress.parse(fields[0]);
            } catch (AddressSyntaxException e) {
                LOG.warn("{} line {}: alias is not a mail address ({}), skipped", fileName, i + 1, e.getMessage());
                continue;
            }
            for (int f = 1; f < fields.length; f++) {
                byUser.computeIfAbsent(PasswdFile.key(fields[f]), k -> new LinkedHashSet<>()).add(alias);
            }
        }
        Map<String, Set<MailAddress>> frozen = new HashMap<>();
        byUser.forEach((k, v) -> frozen.put(k, Collections.unmodifiableSet(v)));
        return Collections.unmodifiableMap(frozen);
    }
}
