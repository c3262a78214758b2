package org.karavel.admin.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.karavel.api.shaping.ShapingAction;
import org.karavel.api.shaping.SiteLimits;
import org.karavel.api.shaping.SitePolicies;
import org.karavel.api.shaping.SiteTraffic;

/**
 * {@code GET /api/v1/shaping}: every site with a rule or traffic now (limits in force, connections,
 * messages in the last minute) and the active reactions, as {@code mta:shaping} shows them.
 */
final class ShapingEndpoints {
    private final AdminServices services;
    private final Supplier<Instant> clock;

    ShapingEndpoints(AdminServices services, Supplier<Instant> clock) {
        this.services = services;
        this.clock = clock;
    }

    Map<String, Object> shaping() {
        SitePolicies policies = services.sitePolicies;
        if (policies == null) {
            throw ApiError.unavailable("traffic shaping");
        }
        SiteTraffic traffic = services.siteTraffic;
        Instant now = clock.get();
        Map<String, SiteTraffic.Load> load = traffic == null ? Map.of() : traffic.sites();
        Map<String, SiteLimits> sites = new TreeMap<>();
        for (SiteLimits l : policies.rules()) {
            sites.put(l.site(), policies.limits(l.site(), now));
        }
        for (String s : load.keySet()) {
            sites.computeIfAbsent(s, x -> policies.limits(x, now));
        }
        List<Map<String, Object>> siteList = new ArrayList<>();
        sites.forEach((name, l) -> {
            SiteTraffic.Load n = load.getOrDefault(name, new SiteTraffic.Load(0, 0));
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("site", name);
            m.put("connections", n.connections());
            m.put("sent_last_minute", n.sentLastMinute());
            m.put("max_connections", l.maxConnections());
            m.put(
                    "max_message_rate",
                    l.maxMessageRate() == null ? null : l.maxMessageRate().toString());
            m.put(
                    "max_connection_rate",
                    l.maxConnectionRate() == null ? null : l.maxConnectionRate().toString());
            m.put("burst", l.burst());
            m.put("max_deliveries_per_connection", l.maxDeliveriesPerConnection());
            m.put("suspended_until", l.isSuspended(now) ? l.suspendedUntil().toString() : null);
            siteList.add(m);
        });
        List<Map<String, Object>> actions = new ArrayList<>();
        for (ShapingAction a : policies.actions(now)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("site", a.site());
            m.put("action", a.kind().word());
            m.put("rate", a.rate() == null ? null : a.rate().toString());
            m.put("connections", a.connections() == 0 ? null : a.connections());
            m.put("until", a.until().toString());
            m.put("reply", a.reply());
            m.put("rule", a.rule());
            actions.add(m);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("sites", siteList);
        body.put("actions", actions);
        body.put("delivery_running", traffic != null);
        return body;
    }
}
