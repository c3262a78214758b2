package org.karavel.shaping.internal;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shaping rule file ({@code etc/org.karavel.shaping-NAME.cfg}, factory PID
 * {@code org.karavel.shaping}), read when it appears or changes. A malformed one is an ERROR naming
 * the file and the key; it then holds no rule, and the other rules apply.
 */
@Component(
        configurationPid = "org.karavel.shaping",
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = SiteRuleComponent.class)
@Designate(ocd = SiteRuleConfig.class, factory = true)
public class SiteRuleComponent {
    private static final Logger LOG = LoggerFactory.getLogger(SiteRuleComponent.class);

    private volatile SiteRule rule;

    @Activate
    void activate(Map<String, Object> properties) {
        String file = fileOf(properties);
        try {
            rule = SiteRule.parse(nameOf(properties, file), properties, file);
            for (String key : properties.keySet()) {
                if (!SiteRule.KEYS.contains(key) && !key.contains(".") && !key.equals("name")) {
                    LOG.warn("{}: unknown key {} ignored", file, key);
                }
            }
        } catch (SiteRule.BadRule e) {
            LOG.error("{}: key {}: {}; this shaping rule is left out, the others apply", file, e.key, e.getMessage());
        }
    }

    /** The rule, or null when its file is malformed. */
    SiteRule rule() {
        return rule;
    }

    /** The file Karaf read the configuration from, else its PID. */
    static String fileOf(Map<String, Object> properties) {
        Object f = properties.get("felix.fileinstall.filename");
        if (f != null) {
            String s = f.toString();
            return s.startsWith("file:") ? Path.of(URI.create(s)).toString() : s;
        }
        return String.valueOf(properties.get("service.pid"));
    }

    /** The rule's name: the {@code name} key, else what follows {@code org.karavel.shaping-} in the file name. */
    static String nameOf(Map<String, Object> properties, String file) {
        Object n = properties.get("name");
        if (n != null && !n.toString().isBlank()) {
            return n.toString().strip();
        }
        String base = Path.of(file).getFileName().toString();
        if (base.startsWith("org.karavel.shaping-") && base.endsWith(".cfg")) {
            return base.substring("org.karavel.shaping-".length(), base.length() - ".cfg".length());
        }
        Object pid = properties.get("service.pid");
        String p = pid == null ? base : pid.toString();
        return p.substring(p.lastIndexOf('~') + 1).replaceAll("[^A-Za-z0-9_.-]", "_");
    }
}
