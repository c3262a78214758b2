package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.Test;

/**
 * The Prometheus alerting rules and the Grafana dashboard in examples/grafana (issue 21): promtool
 * (Debian's prometheus package, installed by .ci/install-packages) checks the rules and runs their
 * unit tests, checks every dashboard query as PromQL, and each metric they name must be one a
 * Karavel bundle exports.
 */
public class AlertRulesIT {
    private static final Path REPO =
            Path.of(System.getProperty("user.dir")).resolve("../..").normalize();
    private static final Path GRAFANA = REPO.resolve("examples/grafana");
    private static final Pattern METRIC = Pattern.compile("karavel_[a-z_]+");

    private static String promtool(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("promtool"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue("promtool did not finish", p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(String.join(" ", command) + "\n" + out, 0, p.exitValue());
        return out;
    }

    @Test
    public void theRulesAreValidAndTheirUnitTestsPass() throws Exception {
        String check = promtool(GRAFANA, "check", "rules", "karavel-alerts.yml");
        assertTrue(check, check.contains("SUCCESS: 9 rules found"));
        String tests = promtool(GRAFANA, "test", "rules", "karavel-alerts.test.yml");
        assertTrue(tests, tests.contains("SUCCESS"));
    }

    /** Each panel query, with the dashboard's variable filled in, must be PromQL promtool accepts. */
    @Test
    public void everyDashboardQueryIsValidPromql() throws Exception {
        JsonNode dashboard = new ObjectMapper()
                .readTree(GRAFANA.resolve("karavel-dashboard.json").toFile());
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        int n = 0;
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode target : panel.get("targets")) {
                String expr = target.get("expr").asText().replace("$instance", ".*");
                rules.append("      - record: dashboard_query_").append(++n).append('\n');
                rules.append("        expr: '").append(expr.replace("'", "''")).append("'\n");
            }
        }
        assertTrue("the dashboard has queries", n >= 13);
        Path dir = Files.createTempDirectory("dashboard-rules");
        Files.writeString(dir.resolve("dashboard.yml"), rules);
        String out = promtool(dir, "check", "rules", "dashboard.yml");
        assertTrue(out, out.contains("SUCCESS: " + n + " rules found"));
    }

    @Test
    public void everyMetricTheyNameIsExported() throws Exception {
        Set<String> named = new TreeSet<>();
        for (String file : List.of("karavel-alerts.yml", "karavel-dashboard.json")) {
            Matcher m = METRIC.matcher(Files.readString(GRAFANA.resolve(file)));
            while (m.find()) {
                named.add(m.group());
            }
        }
        Set<String> exported = new TreeSet<>();
        try (Stream<Path> sources = Files.walk(REPO.resolve("bundles"))) {
            for (Path p : sources.filter(
                            f -> f.toString().endsWith(".java") && f.toString().contains("/src/main/"))
                    .toList()) {
                Matcher m = Pattern.compile("\"(karavel_[a-z_]+)\"").matcher(Files.readString(p));
                while (m.find()) {
                    exported.add(m.group(1));
                }
            }
        }
        Set<String> unknown = new TreeSet<>(named);
        unknown.removeAll(exported);
        assertTrue("named but exported by no bundle: " + unknown, unknown.isEmpty());
        assertTrue(named.toString(), named.size() >= 15);
    }
}
