package org.karavel.assembly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inspects the karavel .deb the build just made, with the real dpkg-deb: control fields,
 * maintainer scripts, file list and modes, the systemd unit. Runs after {@code package}.
 */
class DebianPackageIT {
    private static final String JAVA_DEPENDS =
            "default-jre-headless (>= 2:1.17) | openjdk-17-jre-headless | java17-runtime-headless";
    private static final List<String> PRIVATE_DIRS =
            List.of("/var/spool/karavel", "/var/log/karavel", "/var/lib/karavel", "/etc/karavel/dkim");

    @TempDir
    static Path work;

    static Path deb;
    static Path root;
    static Path control;
    /** dpkg-deb -c: path (without the leading dot) to its line. */
    static Map<String, Entry> entries;

    record Entry(String mode, String owner, String path, String linkTarget) {
        boolean isDirectory() {
            return mode.startsWith("d");
        }
    }

    @BeforeAll
    static void extract() throws Exception {
        if (!onPath("dpkg-deb")) {
            fail("dpkg-deb is not on the PATH: it is needed to check the .deb (Debian/Ubuntu: apt-get install dpkg)");
        }
        Path build = Path.of(System.getProperty("karavel.build.dir", "target"));
        try (Stream<Path> files = Files.list(build)) {
            List<Path> debs = files.filter(p -> p.getFileName().toString().matches("karavel_.+_all\\.deb"))
                    .toList();
            assertThat(debs).as("one karavel_<version>_all.deb in %s", build).hasSize(1);
            deb = debs.get(0);
        }
        root = Files.createDirectory(work.resolve("root"));
        control = work.resolve("control");
        assertThat(run("dpkg-deb", "-x", deb.toString(), root.toString()).exit())
                .isZero();
        assertThat(run("dpkg-deb", "-e", deb.toString(), control.toString()).exit())
                .isZero();

        CommandRun listing = run("dpkg-deb", "-c", deb.toString());
        assertThat(listing.exit()).isZero();
        entries = new LinkedHashMap<>();
        for (String line : listing.output().split("\n")) {
            // drwxr-xr-x root/root 0 2026-01-01 10:00 ./opt/karavel/ [-> target]
            String[] f = line.trim().split("\\s+", 6);
            String name = f[5];
            String target = null;
            int arrow = name.indexOf(" -> ");
            if (arrow >= 0) {
                target = name.substring(arrow + 4);
                name = name.substring(0, arrow);
            }
            name = name.substring(1);
            if (name.length() > 1 && name.endsWith("/")) {
                name = name.substring(0, name.length() - 1);
            }
            entries.put(name, new Entry(f[0], f[1], name, target));
        }
    }

    @Test
    void controlFieldsNameThePackageItsVersionAndAJava17Runtime() throws Exception {
        CommandRun info =
                run("dpkg-deb", "-f", deb.toString(), "Package", "Version", "Architecture", "Depends", "Section");
        assertThat(info.exit()).isZero();
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : info.output().split("\n")) {
            int colon = line.indexOf(':');
            fields.put(line.substring(0, colon), line.substring(colon + 1).trim());
        }
        String version = System.getProperty("karavel.version", "0.1.0-SNAPSHOT");
        assertThat(fields)
                .containsEntry("Package", "karavel")
                .containsEntry("Architecture", "all")
                .containsEntry("Section", "mail")
                // Debian sorts 0.1.0~snapshot before 0.1.0, as Maven sorts 0.1.0-SNAPSHOT
                .containsEntry("Version", version.replace("-SNAPSHOT", "~snapshot"));
        assertThat(fields.get("Depends").split(",\\s*")).contains(JAVA_DEPENDS, "adduser");
        assertThat(deb.getFileName().toString()).isEqualTo("karavel_" + fields.get("Version") + "_all.deb");

        assertThat(run("dpkg-deb", "-I", deb.toString()).output()).contains("postinst", "prerm", "postrm", "conffiles");
    }

    @Test
    void distributionIsUnderOptWithItsEtcLinkedToEtcKaravel() {
        assertThat(entries.get("/opt/karavel/bin/karaf").mode()).isEqualTo("-rwxr-xr-x");
        assertThat(entries.get("/opt/karavel/bin/setenv").mode()).isEqualTo("-rwxr-xr-x");
        assertThat(entries.get("/opt/karavel/bin/client").mode()).isEqualTo("-rwxr-xr-x");
        assertThat(entries.get("/opt/karavel/bin/start-check").mode()).isEqualTo("-rwxr-xr-x");
        assertThat(entries).containsKey("/opt/karavel/lib/boot/org.apache.karaf.main-4.4.10.jar");
        assertThat(entries.keySet()).anyMatch(p -> p.startsWith("/opt/karavel/system/org/karavel/"));

        Entry etc = entries.get("/opt/karavel/etc");
        assertThat(etc.mode()).startsWith("l");
        assertThat(etc.linkTarget()).isEqualTo("/etc/karavel");
        assertThat(entries.keySet())
                .noneMatch(p -> p.startsWith("/opt/karavel/etc/"))
                .noneMatch(p -> p.startsWith("/opt/karavel/data"))
                .noneMatch(p -> p.endsWith(".bat"));
        assertThat(entries.values()).allMatch(e -> e.owner().equals("root/root"), "owned by root/root");
    }

    @Test
    void karafWritesItsPidFileAndLockUnderKarafDataNotTheReadOnlyInstallation() throws IOException {
        Properties config = load(root.resolve("etc/karavel/config.properties"));
        assertThat(config.getProperty("karaf.pid.file")).isEqualTo("${karaf.data}/karaf.pid");
        assertThat(config.getProperty("karaf.lock.dir")).isEqualTo("${karaf.data}");
        assertThat(config.getProperty("karaf.shutdown.port.file")).isEqualTo("${karaf.data}/port");
    }

    @Test
    void privateDirectoriesAreInThePackageWithMode2770() {
        for (String dir : PRIVATE_DIRS) {
            assertThat(entries.get(dir)).as(dir).isNotNull();
            assertThat(entries.get(dir).mode()).as(dir).isEqualTo("drwxrws---");
        }
    }

    @Test
    void configurationIsInEtcKaravelAsConffiles() throws IOException {
        List<String> conffiles = Files.readAllLines(control.resolve("conffiles")).stream()
                .map(String::trim)
                .filter(l -> !l.isEmpty())
                .toList();
        List<String> etcFiles = entries.values().stream()
                .filter(e -> e.path().startsWith("/etc/") && e.mode().startsWith("-"))
                .map(Entry::path)
                .toList();

        assertThat(conffiles).containsExactlyInAnyOrderElementsOf(etcFiles);
        assertThat(conffiles)
                .contains(
                        "/etc/karavel/org.karavel.spool.cfg",
                        "/etc/karavel/org.ops4j.pax.logging.cfg",
                        "/etc/karavel/config.properties",
                        "/etc/default/karavel");
        // every default configuration file of the project ships
        try (Stream<Path> config = Files.list(Path.of(System.getProperty("karavel.config.dir", "../config")))) {
            List<String> cfgs = config.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".cfg"))
                    .map(n -> "/etc/karavel/" + n)
                    .toList();
            assertThat(conffiles).containsAll(cfgs);
        }
    }

    @Test
    void packagedSpoolConfigurationPointsAtVarSpoolAndKeepsTheOtherKeys() throws IOException {
        Properties packaged = load(root.resolve("etc/karavel/org.karavel.spool.cfg"));
        Properties source =
                load(Path.of(System.getProperty("karavel.config.dir", "../config"), "org.karavel.spool.cfg"));

        assertThat(packaged.getProperty("directory")).isEqualTo("/var/spool/karavel");
        for (String key : source.stringPropertyNames()) {
            if (!key.equals("directory")) {
                assertThat(packaged.getProperty(key)).as(key).isEqualTo(source.getProperty(key));
            }
        }
    }

    @Test
    void packagedAdminConfigurationAsksForATokenAndKeepsTheOtherKeys() throws IOException {
        Properties packaged = load(root.resolve("etc/karavel/org.karavel.admin.cfg"));
        Properties source =
                load(Path.of(System.getProperty("karavel.config.dir", "../config"), "org.karavel.admin.cfg"));

        assertThat(source.getProperty("token_file")).isEmpty();
        assertThat(packaged.getProperty("token_file")).isEqualTo("/var/lib/karavel/admin.token");
        assertThat(packaged.stringPropertyNames()).isEqualTo(source.stringPropertyNames());
        for (String key : source.stringPropertyNames()) {
            if (!key.equals("token_file")) {
                assertThat(packaged.getProperty(key)).as(key).isEqualTo(source.getProperty(key));
            }
        }
    }

    @Test
    void logsGoToKarafLogAndSetenvPointsItAtVarLog() throws Exception {
        Properties logging = load(root.resolve("etc/karavel/org.ops4j.pax.logging.cfg"));
        assertThat(logging.getProperty("log4j2.appender.rolling.fileName")).isEqualTo("${karaf.log}/karaf.log");
        assertThat(logging.getProperty("log4j2.appender.mail.fileName")).isEqualTo("${karaf.log}/mail.log");

        Path setenv = root.resolve("opt/karavel/bin/setenv");
        CommandRun env = run(
                "env",
                "-i",
                "PATH=/usr/bin:/bin",
                "sh",
                "-c",
                ". '" + setenv + "' && echo \"$KARAF_ETC|$KARAF_DATA|$KARAF_LOG|$KARAF_OPTS\"");
        assertThat(env.exit()).isZero();
        String[] values = env.output().trim().split("\\|");
        assertThat(values[0]).isEqualTo("/etc/karavel");
        assertThat(values[1]).isEqualTo("/var/lib/karavel");
        assertThat(values[2]).isEqualTo("/var/log/karavel");
        assertThat(values[3])
                .contains(
                        "-Dkaraf.instances=/var/lib/karavel/instances",
                        "-Djava.util.logging.config.file=/etc/karavel/java.util.logging.properties");
    }

    /** bin/setenv's memory settings (bin/java-memory), as every bin/ script of the .deb and the tar.gz sees them. */
    private static String memory(String... env) throws Exception {
        Path bin = root.resolve("opt/karavel/bin");
        List<String> cmd = new ArrayList<>(
                List.of("env", "-i", "PATH=/usr/bin:/bin", "KARAF_ETC=" + work.resolve("no-etc"), "DIRNAME=" + bin));
        cmd.addAll(List.of(env));
        cmd.addAll(List.of(
                "sh",
                "-c",
                ". '" + bin.resolve("setenv") + "' && . '" + bin.resolve("setenv")
                        + "' && echo \"[$EXTRA_JAVA_OPTS] $MALLOC_ARENA_MAX\""));
        CommandRun r = run(cmd.toArray(String[]::new));
        assertThat(r.exit()).as(r.output()).isZero();
        return r.output().trim();
    }

    @Test
    void setenvSizesTheJvmForASmallServerAndAnOperatorCanGiveItMore() throws Exception {
        // the measured defaults, once although setenv is sourced twice (bin/start runs bin/karaf)
        String defaults = memory();
        assertThat(defaults)
                .startsWith("[-XX:+UseSerialGC -Xms32m -Xmx384m ")
                .contains("-XX:MaxMetaspaceSize=192m", "-XX:ReservedCodeCacheSize=64m", "-XX:MaxDirectMemorySize=128m")
                .endsWith("] 2");
        assertThat(defaults.split("-Xmx", -1)).hasSize(2);
        // one larger value: later options win
        assertThat(memory("EXTRA_JAVA_OPTS=-Xmx1g")).contains("-Xmx384m").endsWith(" -Xmx1g] 2");
        // another collector replaces the serial one (two collectors and the JVM would not start)
        assertThat(memory("EXTRA_JAVA_OPTS=-XX:+UseG1GC -Xmx2g"))
                .doesNotContain("UseSerialGC")
                .contains("-XX:+UseG1GC -Xmx2g");
        // the whole set replaced, as /etc/default/karavel shows it
        assertThat(memory("KARAVEL_JAVA_MEMORY=-XX:+UseG1GC -Xms256m -Xmx2g", "MALLOC_ARENA_MAX=4"))
                .isEqualTo("[-XX:+UseG1GC -Xms256m -Xmx2g ] 4");
        assertThat(Files.readString(root.resolve("etc/default/karavel")))
                .contains("#KARAVEL_JAVA_MEMORY=\"" + defaults.substring(1, defaults.indexOf(" ]")) + "\"");
    }

    @Test
    void systemdUnitRunsKarafAsKaravelWithOnlyTheBindCapability() throws IOException {
        assertThat(entries.get("/lib/systemd/system/karavel.service").mode()).isEqualTo("-rw-r--r--");
        List<String> lines = Files.readAllLines(root.resolve("lib/systemd/system/karavel.service")).stream()
                .map(String::trim)
                .toList();

        assertThat(lines)
                .contains(
                        "[Unit]",
                        "[Service]",
                        "[Install]",
                        "User=karavel",
                        "Group=karavel",
                        "ExecStart=/opt/karavel/bin/karaf server",
                        "Environment=KARAF_EXEC=exec",
                        "AmbientCapabilities=CAP_NET_BIND_SERVICE",
                        "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
                        "NoNewPrivileges=yes",
                        "ProtectSystem=strict",
                        "ReadWritePaths=/var/spool/karavel /var/log/karavel /var/lib/karavel /etc/karavel",
                        "PrivateTmp=yes",
                        "ProtectHome=yes",
                        "PrivateDevices=yes",
                        "Restart=on-failure",
                        "RestartPreventExitStatus=78",
                        "TimeoutStopSec=60",
                        "KillSignal=SIGTERM",
                        "UMask=0007",
                        "LimitNOFILE=65536",
                        "WantedBy=multi-user.target");
        assertThat(lines).filteredOn(l -> l.startsWith("ExecStart=")).hasSize(1);
        assertThat(lines).noneMatch(l -> l.startsWith("MemoryDenyWriteExecute="));
    }

    @Test
    void systemdAnalyzeFindsNothingWrongInTheUnit() throws Exception {
        if (!onPath("systemd-analyze")) {
            fail(
                    "systemd-analyze is not on the PATH: .ci/run installs the systemd package (apt-get install -y systemd)");
        }
        // verify wants ExecStart to exist: point it at the extracted distribution
        String unit = Files.readString(root.resolve("lib/systemd/system/karavel.service"))
                .replace("ExecStart=/opt/karavel/", "ExecStart=" + root + "/opt/karavel/");
        Path copy =
                Files.writeString(Files.createDirectories(work.resolve("unit")).resolve("karavel.service"), unit);

        CommandRun verify = run("systemd-analyze", "verify", copy.toString());

        assertThat(verify.exit()).as(verify.output()).isZero();
        // unknown keys and bad values are only warnings (exit 0): any line about the unit is a failure
        assertThat(verify.output()).doesNotContain("karavel.service");
    }

    @Test
    void postinstCreatesTheUserAndClosesThePrivateDirectories() throws IOException {
        String postinst = Files.readString(control.resolve("postinst"));

        assertThat(postinst)
                .contains(
                        "adduser --system",
                        "--home /var/lib/karavel --no-create-home",
                        "getent passwd karavel",
                        "chown -h karavel:karavel \"$1\"",
                        "chmod 2770 \"$1\"",
                        "chmod 0755 /etc/karavel",
                        "systemctl --system daemon-reload",
                        "deb-systemd-helper enable");
        for (String dir : PRIVATE_DIRS) {
            assertThat(postinst).contains("private_dir " + dir + "\n");
        }
        // never through a link the service user could plant in the directories it owns
        assertThat(postinst)
                .contains(
                        "if [ -L \"$1\" ]; then",
                        "find -P /etc/karavel -maxdepth 1 -type f -exec chown -h karavel:karavel {} +",
                        "[ ! -L \"/etc/karavel/$secret\" ]");
        assertThat(postinst).doesNotContainPattern("(?m)^\\s*chown (?!-h)");
        assertThat(Files.readString(control.resolve("prerm"))).contains("deb-systemd-invoke stop \"$UNIT\"");
        String postrm = Files.readString(control.resolve("postrm"));
        assertThat(postrm)
                .contains("purge)", "rm -rf /var/spool/karavel /var/log/karavel /var/lib/karavel /etc/karavel");
        assertThat(postrm.substring(0, postrm.indexOf("purge)"))).doesNotContain("rm -rf");
    }

    @Test
    void secretsDirectoryIsForTheServiceGroupOnlyAndSystemdCredentialsComeFirst() throws Exception {
        assertThat(entries.get("/etc/karavel/secrets").mode()).isEqualTo("drwxr-x---");
        String postinst = Files.readString(control.resolve("postinst"));
        assertThat(postinst)
                .contains(
                        "chown -h root:karavel /etc/karavel/secrets",
                        "chmod 2750 /etc/karavel/secrets",
                        "[ -L /etc/karavel/secrets ]");
        String secretFiles = postinst.lines()
                .filter(l -> l.contains("for secret in"))
                .findFirst()
                .orElseThrow();
        assertThat(secretFiles).contains("org.karavel.dnsbl.cfg", "org.karavel.delivery.cfg", "karavel.passwd");
        assertThat(postinst).contains("chmod 0640 \"/etc/karavel/$secret\"");

        Path bin = root.resolve("opt/karavel/bin");
        CommandRun plain = run(
                "env",
                "-i",
                "PATH=/usr/bin:/bin",
                "KARAF_ETC=" + work.resolve("no-etc"),
                "DIRNAME=" + bin,
                "sh",
                "-c",
                ". '" + bin.resolve("setenv") + "' && echo \"[$KARAF_OPTS]\"");
        assertThat(plain.exit()).as(plain.output()).isZero();
        assertThat(plain.output()).doesNotContain("karavel.credentials");
        CommandRun systemd = run(
                "env",
                "-i",
                "PATH=/usr/bin:/bin",
                "KARAF_ETC=" + work.resolve("no-etc"),
                "DIRNAME=" + bin,
                "CREDENTIALS_DIRECTORY=/run/credentials/karavel.service",
                "sh",
                "-c",
                ". '" + bin.resolve("setenv") + "' && echo \"[$KARAF_OPTS]\"");
        assertThat(systemd.exit()).as(systemd.output()).isZero();
        assertThat(systemd.output()).contains("-Dkaravel.credentials=/run/credentials/karavel.service,");
        // the secrets directory itself (karavel.secrets = ${karaf.etc}/secrets) and its use by Config Admin
        assertThat(Files.readString(root.resolve("etc/karavel/system.properties")))
                .containsPattern("(?m)^karavel\\.secrets\\s*=\\s*\\$\\{karaf\\.etc\\}/secrets$");
        assertThat(load(root.resolve("etc/karavel/custom.properties"))
                        .getProperty("org.apache.felix.configadmin.plugin.interpolation.secretsdir"))
                .isEqualTo("${karavel.credentials}${karavel.secrets}");
    }

    @Test
    void setenvGivesBinClientOneRandomUserAndHidesTheFile() throws Exception {
        assertThat(entries.get("/opt/karavel/bin/console-user").mode()).isEqualTo("-rwxr-xr-x");
        Path bin = root.resolve("opt/karavel/bin");
        List<String> passwords = new ArrayList<>();
        for (String name : List.of("first-etc", "second-etc")) {
            Path etc = Files.createDirectories(work.resolve(name));
            Path users = etc.resolve("users.properties");
            Files.copy(root.resolve("etc/karavel/users.properties"), users);
            for (int i = 0; i < 2; i++) {
                // as every bin/ script does: DIRNAME set, then setenv sourced (twice: the user is added once)
                CommandRun r = run(
                        "env",
                        "-i",
                        "PATH=/usr/bin:/bin",
                        "KARAF_ETC=" + etc,
                        "DIRNAME=" + bin,
                        "sh",
                        "-c",
                        ". '" + bin.resolve("setenv") + "'");
                assertThat(r.exit()).as(r.output()).isZero();
            }
            List<String> lines = Files.readAllLines(users).stream()
                    .filter(l -> !l.isBlank() && !l.trim().startsWith("#"))
                    .toList();
            assertThat(lines).hasSize(2);
            assertThat(lines.get(0)).matches("karavel = [0-9a-f]{48},_g_:admingroup");
            assertThat(lines.get(1)).isEqualTo("_g_\\:admingroup = group,admin,manager,viewer,systembundles,ssh");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(users)))
                    .isEqualTo("rw-r-----");
            passwords.add(lines.get(0));
            // Karaf's own reader (bin/client's ClientConfig) sees the user and the group
            Properties p = load(users);
            assertThat(p.getProperty("karavel")).endsWith(",_g_:admingroup");
            assertThat(p.getProperty("_g_:admingroup")).contains("ssh", "admin");
        }
        assertThat(passwords.get(0)).isNotEqualTo(passwords.get(1));

        // a file that already has a user is left alone
        Path etc = Files.createDirectories(work.resolve("own-user-etc"));
        Path users = etc.resolve("users.properties");
        Files.writeString(users, "ops = secret,_g_:admingroup\n_g_\\:admingroup = group,admin,ssh\n");
        CommandRun r = run(
                "env",
                "-i",
                "PATH=/usr/bin:/bin",
                "KARAF_ETC=" + etc,
                "DIRNAME=" + bin,
                "sh",
                "-c",
                ". '" + bin.resolve("setenv") + "'");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(Files.readString(users))
                .isEqualTo("ops = secret,_g_:admingroup\n_g_\\:admingroup = group,admin,ssh\n");
    }

    @Test
    void maintainerScriptsAreExecutableAndParseAsPosixShell() throws Exception {
        for (String script : List.of("postinst", "prerm", "postrm")) {
            Path path = control.resolve(script);
            assertThat(Files.isExecutable(path)).as(script + " executable").isTrue();
            assertThat(Files.readString(path)).startsWith("#!/bin/sh\n");
            CommandRun syntax = run("sh", "-n", path.toString());
            assertThat(syntax.exit()).as(script + ": " + syntax.output()).isZero();
        }
    }

    private static Properties load(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        return p;
    }

    private static boolean onPath(String command) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        return Arrays.stream(path.split(":")).anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
    }

    private static CommandRun run(String... command) throws IOException, InterruptedException {
        return CommandRun.of(60, command);
    }
}
