package org.karavel.assembly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.SmtpClient;

/**
 * Installs the karavel .deb the build just made on this machine (as root, the way CI runs) and
 * starts the service exactly as karavel.service does: as user karavel, with CAP_NET_BIND_SERVICE as
 * its only capability, umask 0007 and /opt/karavel read-only (a private mount namespace). Then mail
 * on port 25, the operator's scripts as root and as a member of group karavel, a stop, and an upgrade
 * that keeps the queue and the configuration. The package is purged at the end.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DebianPackageInstallIT {
    private static final Path OPT = Path.of("/opt/karavel");
    private static final Path ETC = Path.of("/etc/karavel");
    private static final Path SPOOL = Path.of("/var/spool/karavel");
    private static final Path DATA = Path.of("/var/lib/karavel");
    /** Every port the packaged defaults listen on: SMTP, the admin API, SSH console. */
    private static final List<Integer> DEFAULT_PORTS = List.of(25, 465, 587, 8000, 8101);

    private static final long CAP_NET_BIND_SERVICE = 1L << 10;
    private static final Pattern QUEUED_AS = Pattern.compile("queued as (\\S+)");

    static Path deb;
    static Path work;
    static LoopbackDnsServer dns;
    static Process service;
    static Path serviceOutput;
    static String deferredQueueId;

    @BeforeAll
    static void install() throws Exception {
        if (!"root".equals(System.getProperty("user.name"))) {
            fail("DebianPackageInstallIT installs the .deb and must run as root (CI does); it ran as "
                    + System.getProperty("user.name"));
        }
        for (int port : DEFAULT_PORTS) {
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress("0.0.0.0", port));
            } catch (IOException busy) {
                fail("port " + port + " is taken on this machine; the packaged defaults need it");
            }
        }
        Path build = Path.of(System.getProperty("karavel.build.dir", "target"));
        try (Stream<Path> files = Files.list(build)) {
            deb = files.filter(p -> p.getFileName().toString().matches("karavel_.+_all\\.deb"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no karavel_<version>_all.deb in " + build));
        }
        work = Files.createTempDirectory("karavel-deb-");
        // a karavel left installed by an earlier, interrupted run of this test
        if (run("dpkg-query", "-W", "-f=${Status}", "karavel").output().contains("installed")) {
            purge();
        }
        CommandRun installed = run(
                "apt-get",
                "install",
                "-y",
                "--no-install-recommends",
                deb.toAbsolutePath().toString());
        assertThat(installed.exit()).as(installed.output()).isZero();

        // the operator's part before the first start: a DNS server of the test (loopback only) and a user
        dns = LoopbackDnsServer.start();
        dns.servfail("deferred.test");
        replaceKey(ETC.resolve("org.karavel.dns.cfg"), "servers", "127.0.0.1:" + dns.port());
        Files.writeString(
                ETC.resolve("karavel.passwd"),
                "alice@localhost:{SHA512-CRYPT}$6$abcdefgh$xcjt6NrwcPQBqAajgv7xd56RFsYtKhgm04.QP5aNp5CIvhEDhjiaPreRUjU2cR2NxzclXAIXen3uapygljeZO/\n");
        run("chown", "karavel:karavel", ETC.resolve("karavel.passwd").toString());
        startService();
    }

    @AfterAll
    static void purgeAndRestore() throws Exception {
        try {
            if (service != null && service.isAlive()) {
                service.destroy();
                if (!service.waitFor(60, TimeUnit.SECONDS)) {
                    service.destroyForcibly();
                }
            }
        } finally {
            if (dns != null) {
                dns.close();
            }
            purge();
        }
    }

    @Test
    @Order(1)
    void port25GreetsAndALocalMessageLandsInTheMaildirUnderVarLib() throws Exception {
        try (SmtpClient client = new SmtpClient("127.0.0.1", 25)) {
            assertThat(client.readReply()).startsWith("220 ");
            assertThat(client.command("EHLO package-test.example")).startsWith("250");
            String reply = client.sendMail(
                    "bob@example.net",
                    List.of("alice@localhost"),
                    "From: bob@example.net\r\nTo: alice@localhost\r\nSubject: from the package test\r\n\r\nhello\r\n");
            assertThat(reply).startsWith("250 ");
        }
        Path newMail = DATA.resolve("mail/localhost/alice/new");
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> countFiles(newMail) == 1);
        try (Stream<Path> files = Files.list(newMail)) {
            Path message = files.findFirst().orElseThrow();
            assertThat(Files.readString(message)).contains("Subject: from the package test");
            assertThat(Files.getOwner(message).getName()).isEqualTo("karavel");
            assertThat(othersMay(message)).isEmpty();
        }
    }

    @Test
    @Order(2)
    void aDeferredMessageStaysQueuedInFilesOthersCannotRead() throws Exception {
        try (SmtpClient client = new SmtpClient("127.0.0.1", 25)) {
            assertThat(client.readReply()).startsWith("220 ");
            assertThat(client.command("EHLO package-test.example")).startsWith("250");
            String reply = client.sendMail(
                    "bob@example.net",
                    List.of("carol@deferred.test"),
                    "From: bob@example.net\r\nTo: carol@deferred.test\r\nSubject: waits\r\n\r\nqueued\r\n");
            Matcher queued = QUEUED_AS.matcher(reply);
            assertThat(queued.find()).as(reply).isTrue();
            deferredQueueId = queued.group(1);
        }
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> clientAsRoot("mta:queue-list").output().contains(deferredQueueId));

        List<String> readable = new ArrayList<>();
        try (Stream<Path> all = Files.walk(SPOOL)) {
            all.forEach(p -> {
                try {
                    if (!othersMay(p).isEmpty()) {
                        readable.add(p + " "
                                + PosixFilePermissions.toString(
                                        Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)));
                    }
                } catch (IOException e) {
                    readable.add(p + " " + e);
                }
            });
        }
        assertThat(readable).as("spool entries others may read, write or enter").isEmpty();
        assertThat(countFiles(SPOOL)).isGreaterThan(0);
    }

    @Test
    @Order(3)
    void theServiceHoldsOnlyTheBindCapability() throws Exception {
        List<String> status = Files.readAllLines(Path.of("/proc", String.valueOf(service.pid()), "status"));
        assertThat(field(status, "Uid:")).startsWith(uid("karavel") + "\t");
        for (String set : List.of("CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:")) {
            assertThat(Long.parseLong(field(status, set), 16)).as(set).isEqualTo(CAP_NET_BIND_SERVICE);
        }
        assertThat(field(status, "NoNewPrivs:")).isEqualTo("1");
    }

    @Test
    @Order(4)
    void statusAndClientWorkAsRootAndAsAMemberOfGroupKaravel() throws Exception {
        CommandRun rootStatus = run(OPT.resolve("bin/status").toString());
        assertThat(rootStatus.exit()).as(rootStatus.output()).isZero();
        assertThat(rootStatus.output()).contains("Running");

        CommandRun memberStatus = asGroupMember(OPT.resolve("bin/status").toString());
        assertThat(memberStatus.exit()).as(memberStatus.output()).isZero();
        assertThat(memberStatus.output()).contains("Running");

        assertThat(clientAsRoot("mta:queue-list").output()).contains(deferredQueueId);
        CommandRun memberClient = asGroupMember(OPT.resolve("bin/client").toString(), "mta:queue-list");
        assertThat(memberClient.exit()).as(memberClient.output()).isZero();
        assertThat(memberClient.output()).contains(deferredQueueId);
    }

    @Test
    @Order(5)
    void binStopAsAGroupMemberStopsTheServiceCleanly() throws Exception {
        stopAsGroupMember();
        CommandRun status = run(OPT.resolve("bin/status").toString());
        assertThat(status.output()).contains("Not Running");
        assertThat(status.exit()).isNotZero();
    }

    @Test
    @Order(6)
    void anUpgradeKeepsTheQueueAndTheConfiguration() throws Exception {
        String dnsConfig = Files.readString(ETC.resolve("org.karavel.dns.cfg"));
        assertThat(dnsConfig).contains("127.0.0.1:" + dns.port());

        CommandRun again = run(
                "apt-get",
                "install",
                "-y",
                "--reinstall",
                "--no-install-recommends",
                "-o",
                "Dpkg::Options::=--force-confold",
                deb.toAbsolutePath().toString());
        assertThat(again.exit()).as(again.output()).isZero();
        assertThat(Files.readString(ETC.resolve("org.karavel.dns.cfg"))).isEqualTo(dnsConfig);

        startService();
        assertThat(clientAsRoot("mta:queue-list").output()).contains(deferredQueueId);
        stopAsGroupMember();
    }

    @Test
    @Order(7)
    void startRefusesAtOnceWhenItsDataDirectoryIsNotWritable() throws Exception {
        // a file left by a run as root: Karaf alone would wait for its lock forever, port 25 closed
        Path lock = DATA.resolve("lock");
        run("chown", "root:root", lock.toString());
        run("chmod", "600", lock.toString());
        try {
            Process start = startProcess(work.resolve("refused.log"));
            assertThat(start.waitFor(60, TimeUnit.SECONDS))
                    .as("bin/karaf exits")
                    .isTrue();
            assertThat(start.exitValue()).isEqualTo(78);
            assertThat(Files.readString(work.resolve("refused.log")))
                    .contains("karavel: cannot start: /var/lib/karavel/lock is not writable by karavel");
        } finally {
            run("chown", "karavel:karavel", lock.toString());
            run("chmod", "660", lock.toString());
        }
    }

    /** ExecStart of karavel.service, with the unit's user, capabilities and umask. */
    private static void startService() throws Exception {
        serviceOutput = work.resolve("service-" + System.nanoTime() + ".log");
        service = startProcess(serviceOutput);
        try {
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> !service.isAlive() || greets());
        } catch (RuntimeException e) {
            throw new AssertionError("port 25 never greeted; the service said: " + Files.readString(serviceOutput), e);
        }
        assertThat(service.isAlive())
                .as("service running; it said: %s", Files.readString(serviceOutput))
                .isTrue();
    }

    private static Process startProcess(Path output) throws IOException {
        String unit = "umask 0007; mount --bind /opt/karavel /opt/karavel && mount -o remount,bind,ro /opt/karavel"
                + " && exec setpriv --reuid karavel --regid karavel --init-groups --no-new-privs"
                + " --inh-caps -all,+net_bind_service --ambient-caps -all,+net_bind_service"
                + " --bounding-set -all,+net_bind_service"
                + " env -i PATH=/usr/bin:/bin LANG=C.UTF-8 KARAF_EXEC=exec /opt/karavel/bin/karaf server";
        return new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sh", "-c", unit)
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .start();
    }

    private static void stopAsGroupMember() throws Exception {
        CommandRun stop = asGroupMember(OPT.resolve("bin/stop").toString());
        assertThat(stop.exit()).as(stop.output()).isZero();
        assertThat(service.waitFor(60, TimeUnit.SECONDS))
                .as("the JVM exits after bin/stop")
                .isTrue();
        assertThat(service.exitValue()).as(Files.readString(serviceOutput)).isZero();
        String karafLog = Files.readString(Path.of("/var/log/karavel/karaf.log"));
        assertThat(karafLog).doesNotContain("Exception in thread");
    }

    private static boolean greets() {
        try (SmtpClient client = new SmtpClient("127.0.0.1", 25)) {
            client.setReadTimeoutMillis(5000);
            return client.readReply().startsWith("220 ");
        } catch (IOException notYet) {
            return false;
        }
    }

    private static CommandRun clientAsRoot(String command) throws Exception {
        CommandRun r = run(OPT.resolve("bin/client").toString(), command);
        assertThat(r.exit()).as(r.output()).isZero();
        return r;
    }

    /** A login of the admin group: another uid (nobody) whose only extra group is karavel. */
    private static CommandRun asGroupMember(String... command) throws Exception {
        List<String> argv = new ArrayList<>(List.of(
                "setpriv",
                "--reuid",
                "nobody",
                "--regid",
                "nogroup",
                "--groups",
                String.valueOf(gid("karavel")),
                "env",
                "HOME=" + work,
                "PATH=/usr/bin:/bin"));
        argv.addAll(List.of(command));
        return run(argv.toArray(String[]::new));
    }

    private static void purge() throws Exception {
        CommandRun purge = run("apt-get", "purge", "-y", "karavel");
        assertThat(purge.exit()).as(purge.output()).isZero();
        assertThat(OPT).doesNotExist();
        assertThat(SPOOL).doesNotExist();
    }

    private static void replaceKey(Path cfg, String key, String value) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(cfg)) {
            lines.add(line.matches("\\s*" + Pattern.quote(key) + "\\s*[=:].*") ? key + " = " + value : line);
        }
        Files.write(cfg, lines);
    }

    private static Set<PosixFilePermission> othersMay(Path p) throws IOException {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
        perms.retainAll(Set.of(
                PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE));
        return perms;
    }

    private static long countFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).count();
        }
    }

    private static String field(List<String> status, String name) {
        return status.stream()
                .filter(l -> l.startsWith(name))
                .findFirst()
                .map(l -> l.substring(name.length()).trim())
                .orElseThrow(() -> new AssertionError(name));
    }

    private static int uid(String user) throws Exception {
        return Integer.parseInt(run("id", "-u", user).output().trim());
    }

    private static int gid(String group) throws Exception {
        return Integer.parseInt(run("getent", "group", group).output().trim().split(":")[2]);
    }

    private static CommandRun run(String... command) throws IOException, InterruptedException {
        return CommandRun.of(180, command);
    }
}
