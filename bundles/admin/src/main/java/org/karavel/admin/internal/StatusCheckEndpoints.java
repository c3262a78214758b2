package org.karavel.admin.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.karavel.api.status.Finding;
import org.karavel.api.status.StatusChecks;
import org.karavel.api.status.StatusReport;

/** {@code GET /api/v1/status-checks}: runs the status checks ({@code ?last=true}: the last report) as JSON. */
final class StatusCheckEndpoints {
    private final AdminServices services;

    StatusCheckEndpoints(AdminServices services) {
        this.services = services;
    }

    Map<String, Object> report(AdminRequest r) {
        StatusChecks checks = services.statusChecks;
        if (checks == null) {
            throw ApiError.unavailable("the status checks (bundle org.karavel.status)");
        }
        String last = r.query().getOrDefault("last", "false");
        if (!last.equals("true") && !last.equals("false")) {
            throw ApiError.badRequest("last: true or false, not '" + last + "'");
        }
        StatusReport report;
        if (last.equals("true")) {
            report = checks.last().orElseThrow(() -> ApiError.notFound("no status report yet: ask without last=true"));
        } else {
            try {
                report = checks.run().toCompletableFuture().get(2, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw ApiError.unavailable("the status checks (interrupted)");
            } catch (ExecutionException | TimeoutException e) {
                throw ApiError.unavailable("the status checks (" + e.getMessage() + ")");
            }
        }
        return json(report);
    }

    static Map<String, Object> json(StatusReport report) {
        List<Map<String, Object>> findings = new ArrayList<>();
        for (Finding f : report.findings()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("check", f.check());
            row.put("subject", f.subject());
            row.put("level", f.level().name().toLowerCase(Locale.ROOT));
            row.put("found", f.found());
            row.put("fix", f.fix());
            findings.add(row);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("at", report.at().toString());
        out.put("status", report.worst().name().toLowerCase(Locale.ROOT));
        out.put("ok", report.count(Finding.Level.OK));
        out.put("warnings", report.count(Finding.Level.WARNING));
        out.put("errors", report.count(Finding.Level.ERROR));
        out.put("findings", findings);
        return out;
    }
}
