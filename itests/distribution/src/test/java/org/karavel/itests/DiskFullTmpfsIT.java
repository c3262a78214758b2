package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.karavel.testkit.FileSystemFiller;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.SmtpClient;
import org.karavel.testkit.SmtpSink;
import org.xbill.DNS.Type;

/**
 * Disk full on a real small file system (issue 7): the spool lives on a 10 MB tmpfs that this test
 * mounts (the tests run as root on the project machine and in its CI). Two cases:
 * <ul>
 * <li>the spool itself fills it: with {@code min_free_disk_bytes} reached, new mail gets 452 4.3.1,
 * the queued mail is intact, and mail is accepted again once delivery has freed the space;
 * <li>another program fills it to the last byte (the test writes a filler file until ENOSPC) while
 * mail is queued: the spool still records the deliveries (its journal files have their blocks in
 * advance, and its emergency reserve {@code spool.reserve} is released when a commit needs more), so
 * every queued message is delivered exactly once, never again; new mail gets 452 4.3.1 while the
 * disk stays full, and is accepted again once the filler is deleted (the reserve is made again).
 * </ul>
 */
public class DiskFullTmpfsIT {
    private static final String NO_STORAGE = "452 4.3.1 Insufficient system storage";
    private static final long RESERVE = 1_536 * 1024;
    /** {@code emergency_reserve_bytes}: small, to fit the small tmpfs. */
    private static final long EMERGENCY_RESERVE = 1024 * 1024;

    private static final Duration WAIT = Duration.ofSeconds(120);

    private static LoopbackDnsServer dns;
    private static SmtpSink sink;
    private static Distribution karavel;
    private static Path mount;
    private static int smtpPort;
    private static int adminPort;
    private static final AtomicBoolean sinkAccepts = new AtomicBoolean(false);
    private static final AtomicInteger sequence = new AtomicInteger();

    @BeforeClass
    public static void boot() throws Exception {
        mount = new File("target/disk-full-tmpfs-spool").toPath().toAbsolutePath();
        unmount();
        Files.createDirectories(mount);
        run("mount", "-t", "tmpfs", "-o", "size=10m,mode=0700", "tmpfs", mount.toString());
        dns = LoopbackDnsServer.start();
        dns.add("remote.test", Type.MX, "10 mx.remote.test.", 60);
        dns.add("mx.remote.test", Type.A, "127.0.0.1", 60);
        sink = SmtpSink.start();
        sink.onRcpt(r -> sinkAccepts.get() ? "250 2.1.5 Ok" : "451 4.3.0 Not now");
        karavel = Distribution.unpack("disk-full-tmpfs");
        smtpPort = KaravelContainer.freePort();
        adminPort = KaravelContainer.freePort();
        karavel.configure("org.karavel.admin.cfg", Map.of("port", Integer.toString(adminPort), "address", "127.0.0.1"));
        karavel.configure(
                "org.karavel.spool.cfg",
                Map.of(
                        "directory",
                        mount.resolve("spool").toString(),
                        "min_free_disk_bytes",
                        Long.toString(RESERVE),
                        "max_spool_bytes",
                        "0",
                        "emergency_reserve_bytes",
                        Long.toString(EMERGENCY_RESERVE)));
        karavel.listenersOnLoopback(smtpPort);
        karavel.configure("org.karavel.dns.cfg", Map.of("servers", dns.address()));
        karavel.configure(
                "org.karavel.delivery.cfg",
                Map.of(
                        "remote_port",
                        Integer.toString(sink.port()),
                        "min_backoff_seconds",
                        "1",
                        "max_backoff_seconds",
                        "1"));
        karavel.start();
        Distribution.awaitSmtp(smtpPort);
        Poll.until("the spool's metrics", WAIT, () -> MetricsText.read(adminPort, "karavel_spool_messages") == 0);
    }

    @AfterClass
    public static void stop() throws Exception {
        Distribution.closeAll(karavel, sink, dns, DiskFullTmpfsIT::unmount);
    }

    @Test
    public void fullFileSystemAnswers452KeepsQueuedMailAndRecovers() throws Exception {
        sinkAccepts.set(false);
        Map<String, String> queued = new LinkedHashMap<>();
        String refusal = null;
        for (int i = 0; i < 100 && refusal == null; i++) {
            Sent s = send(nextId());
            if (s.reply().startsWith("250")) {
                queued.put(s.id(), s.body());
            } else {
                refusal = s.reply();
            }
        }
        long free = mount.toFile().getUsableSpace();
        System.out.printf(
                "DiskFullTmpfsIT figures: tmpfs=10 MB reserve=%d queued=%d free_at_refusal=%d refusal=%s%n",
                RESERVE, queued.size(), free, refusal);
        assertEquals("the refusal of a full file system", NO_STORAGE, refusal);
        assertTrue("several 256 KB messages fit first: " + queued.size(), queued.size() >= 4);
        assertEquals("still full", NO_STORAGE, send(nextId()).reply());
        assertEquals("the queued mail is all there", queued.size(), (int)
                MetricsText.read(adminPort, "karavel_spool_messages"));
        assertTrue("the refusal is logged", karavel.log().contains("free on the spool's file system"));

        // space returns as delivery removes the queued messages and their body files
        sinkAccepts.set(true);
        Poll.until("the queue to drain", WAIT, () -> MetricsText.read(adminPort, "karavel_spool_messages") == 0);
        Poll.until("every queued message at the sink, whole", WAIT, () -> atSink(queued));
        Poll.until(
                "space back on the file system", WAIT, () -> mount.toFile().getUsableSpace() > RESERVE + 1024 * 1024);
        Map<String, String> after = new LinkedHashMap<>();
        Sent again = send(nextId());
        assertTrue("accepted again: " + again.reply(), again.reply().startsWith("250"));
        after.put(again.id(), again.body());
        Poll.until("the new message at the sink", WAIT, () -> atSink(after));
        assertEquals("nothing quarantined", 0.0, MetricsText.read(adminPort, "karavel_spool_quarantined_records"), 0.0);
    }

    @Test
    public void fileSystemFilledToTheLastByteByAnotherProgramStillDeliversEachQueuedMessageOnce() throws Exception {
        sinkAccepts.set(false);
        Poll.until(
                "an empty queue to start with", WAIT, () -> MetricsText.read(adminPort, "karavel_spool_messages") == 0);
        Map<String, String> queued = new LinkedHashMap<>();
        // 4 x 256 KB: few enough that delivering them frees less than min_free_disk_bytes
        for (int i = 0; i < 4; i++) {
            Sent s = send(nextId());
            assertTrue("queued before the disk fills: " + s.reply(), s.reply().startsWith("250"));
            queued.put(s.id(), s.body());
        }
        Poll.until(
                "the messages queued",
                WAIT,
                () -> MetricsText.read(adminPort, "karavel_spool_messages") == queued.size());

        FileSystemFiller filler = FileSystemFiller.fill(mount.resolve("filler"));
        long filled = filler.filled();
        try {
            long freeWhenFilled = mount.toFile().getUsableSpace();
            sinkAccepts.set(true);
            Poll.until(
                    "the queue to drain while the disk is full",
                    WAIT,
                    () -> MetricsText.read(adminPort, "karavel_spool_messages") == 0);
            Poll.until("every queued message at the sink, whole", WAIT, () -> atSink(queued));
            double released = MetricsText.read(adminPort, "karavel_spool_emergency_reserve_released");
            // delivered mail only leaves the queue: removals write into the journal's blocks held in advance
            // and need no new block, so the reserve stays for a commit that does (the gauge says so, and
            // spool.reserve is still there, whole)
            assertEquals("karavel_spool_emergency_reserve_released while the disk is full", 0.0, released, 0.0);
            assertEquals(
                    "spool.reserve while the disk is full",
                    EMERGENCY_RESERVE,
                    Files.size(mount.resolve("spool/spool.reserve")));
            assertEquals(
                    "new mail while the disk is full",
                    NO_STORAGE,
                    send(nextId()).reply());
            for (String id : queued.keySet()) {
                assertEquals("copies of " + id + " at the sink", 1, copiesAtSink(id));
            }
            assertEquals(
                    "nothing left queued to be sent again",
                    0.0,
                    MetricsText.read(adminPort, "karavel_spool_messages"),
                    0.0);
            System.out.printf(
                    "DiskFullTmpfsIT figures: filler=%d free_when_filled=%d free_after_delivery=%d reserve_released=%s%n",
                    filled, freeWhenFilled, mount.toFile().getUsableSpace(), released);
        } finally {
            filler.close();
        }

        // the space is back: the reserve is made again (off the SMTP thread), then mail is accepted
        Map<String, String> after = new LinkedHashMap<>();
        Poll.until("new mail accepted after the filler is gone", WAIT, () -> {
            try {
                Sent s = send(nextId());
                if (s.reply().startsWith("250")) {
                    after.put(s.id(), s.body());
                    return true;
                }
                assertEquals("refused only for storage", NO_STORAGE, s.reply());
                return false;
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        assertEquals(
                "the reserve is back",
                0.0,
                MetricsText.read(adminPort, "karavel_spool_emergency_reserve_released"),
                0.0);
        Poll.until("the new message at the sink", WAIT, () -> atSink(after));
        for (String id : queued.keySet()) {
            assertEquals("copies of " + id + " at the sink, in the end", 1, copiesAtSink(id));
        }
        assertEquals("nothing quarantined", 0.0, MetricsText.read(adminPort, "karavel_spool_quarantined_records"), 0.0);
    }

    private static long copiesAtSink(String id) {
        return sink.messages().stream()
                .map(SmtpSink.ReceivedMail::contentAsString)
                .filter(c -> c.contains("Message-ID: <" + id + ">\r\n"))
                .count();
    }

    private record Sent(String id, String body, String reply) {}

    private static String nextId() {
        return "tmpfs-" + sequence.incrementAndGet() + "@disk.test";
    }

    /** A 256 KB message: larger than the inline threshold, so it gets its own body file. */
    private static Sent send(String id) throws IOException {
        StringBuilder body = new StringBuilder();
        for (int i = 0; body.length() < 256 * 1024; i++) {
            body.append(id)
                    .append(" line ")
                    .append(i)
                    .append(' ')
                    .append("z".repeat(60))
                    .append("\r\n");
        }
        try (SmtpClient c = SmtpClient.connect(smtpPort)) {
            c.setReadTimeoutMillis(30_000);
            String r = c.readReply();
            if (r == null || !r.startsWith("220")) {
                return new Sent(id, body.toString(), String.valueOf(r));
            }
            c.command("EHLO client.test");
            r = c.sendMail(
                    "app@localhost",
                    List.of("user@remote.test"),
                    "Message-ID: <" + id + ">\r\nSubject: tmpfs full\r\n\r\n" + body);
            return new Sent(id, body.toString(), String.valueOf(r));
        }
    }

    private static boolean atSink(Map<String, String> messages) {
        return messages.entrySet().stream()
                .allMatch(e -> sink.messages().stream()
                        .map(SmtpSink.ReceivedMail::contentAsString)
                        .anyMatch(c -> c.contains("Message-ID: <" + e.getKey() + ">\r\n")
                                && c.contains("\r\n\r\n" + e.getValue())));
    }

    /** Unmounts the tmpfs if a run (this one or an interrupted earlier one) left it mounted. */
    private static void unmount() throws IOException, InterruptedException {
        if (Files.readString(Path.of("/proc/mounts")).contains(" " + mount + " ")) {
            run("umount", mount.toString());
        }
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(
                    "failed (the tmpfs variant needs root, as the tests have here): " + String.join(" ", cmd));
        }
    }
}
