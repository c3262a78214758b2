package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import javax.inject.Inject;
import org.junit.BeforeClass;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.karavel.api.queue.QueueId;
import org.karavel.api.queue.Spool;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.SmtpClient;
import org.karavel.testkit.SmtpSink;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.xbill.DNS.Type;

/**
 * Mail in and out of the real distribution: SMTP in over a socket, Maildir and a real SMTP sink out,
 * DNS from a real server on 127.0.0.1.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class MailFlowIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static LoopbackDnsServer dns;
    private static SmtpSink sink;
    /** The same port as sink, on ::1: the MX of v6.test has only an AAAA record. */
    private static SmtpSink sink6;

    @Inject
    private ConfigurationAdmin configAdmin;

    @Inject
    private BundleContext context;

    @Inject
    private Spool spool;

    @Configuration
    public Option[] config() {
        return KaravelContainer.options();
    }

    /** Pax Exam runs @BeforeClass before every method in the container: start the peers once. */
    @BeforeClass
    public static synchronized void startPeers() throws IOException {
        if (dns != null) {
            return;
        }
        dns = LoopbackDnsServer.start(Integer.getInteger(KaravelContainer.DNS_PORT));
        sink = SmtpSink.start(Integer.getInteger(KaravelContainer.SINK_PORT));
        // remote.test has an MX; implicit.test only an A record; nullmx.test refuses all mail
        dns.add("remote.test", Type.MX, "10 mx1.remote.test.", 60);
        dns.add("mx1.remote.test", Type.A, "127.0.0.1", 60);
        dns.add("implicit.test", Type.A, "127.0.0.1", 60);
        dns.add("nullmx.test", Type.MX, "0 .", 60);
        sink6 = SmtpSink.start(InetAddress.getByName("::1"), Integer.getInteger(KaravelContainer.SINK_PORT));
        dns.add("v6.test", Type.MX, "10 mx.v6.test.", 60);
        dns.add("mx.v6.test", Type.AAAA, "::1", 60);
    }

    @Test
    public void mailToLocalDomainArrivesInMaildir() throws Exception {
        String reply =
                send("127.0.0.1", "sender@remote.test", "alice@localhost", "Subject: hello alice\r\n\r\nHi.\r\n");
        assertTrue(reply, reply.startsWith("250 2.0.0"));
        Path newDir = maildir("localhost", "alice").resolve("new");
        Poll.until("a file in " + newDir, WAIT, () -> Maildirs.count(newDir) == 1);
        String stored = Files.readString(only(newDir));
        assertTrue(stored, stored.contains("Subject: hello alice"));
        assertTrue(stored, stored.contains("Received: from "));
        assertTrue(stored, stored.contains("Delivered-To: alice@localhost"));
    }

    @Test
    public void mailToRemoteDomainIsRelayedToItsMx() throws Exception {
        String reply = send("127.0.0.1", "app@localhost", "bob@remote.test", "Subject: to remote\r\n\r\nBody.\r\n");
        assertTrue(reply, reply.startsWith("250 2.0.0"));
        Poll.until(
                "the sink to receive the message",
                WAIT,
                () -> sink.messages().stream().anyMatch(m -> m.recipients().contains("bob@remote.test")));
        SmtpSink.ReceivedMail got = sink.messages().stream()
                .filter(m -> m.recipients().contains("bob@remote.test"))
                .findFirst()
                .orElseThrow();
        assertEquals("app@localhost", got.sender());
        assertEquals(List.of("bob@remote.test"), got.recipients());
        assertTrue(got.contentAsString(), got.contentAsString().contains("Subject: to remote"));
        assertEquals("mx.karavel.test", got.helo());
    }

    @Test
    public void mailToADomainWhoseMxHasOnlyAnIpv6AddressGoesOverIpv6() throws Exception {
        String reply = send("127.0.0.1", "app@localhost", "carol@v6.test", "Subject: over IPv6\r\n\r\nBody.\r\n");
        assertTrue(reply, reply.startsWith("250 2.0.0"));
        Poll.until(
                "the IPv6 sink to receive the message",
                WAIT,
                () -> sink6.messages().stream().anyMatch(m -> m.recipients().contains("carol@v6.test")));
        assertTrue(sink.messages().stream().noneMatch(m -> m.recipients().contains("carol@v6.test")));
    }

    @Test
    public void relayFromOtherHostIsRefused() throws Exception {
        // relaying from 127.0.0.2 works while it is in relay_hosts
        assertTrue(rcptFrom("127.0.0.2", "victim@remote.test").startsWith("250"));
        try {
            // 127.0.0.2 is loopback too, but not in relay_hosts any more; the change applies without a restart
            updateUntil(
                    "org.karavel.relay",
                    "relay_hosts",
                    "127.0.0.1/32",
                    "relaying from 127.0.0.2 to be refused",
                    () -> rcptFrom("127.0.0.2", "victim@remote.test").startsWith("554 5.7.1"));
            // mail for a local domain is still welcome
            String r = rcptFrom("127.0.0.2", "alice@localhost");
            assertTrue(r, r.startsWith("250"));
        } finally {
            restoreRelayHosts();
        }
    }

    @Test
    public void newLocalDomainTakesEffectWithoutRestart() throws Exception {
        try {
            updateUntil(
                    "org.karavel.relay",
                    "relay_hosts",
                    "127.0.0.1/32",
                    "relaying from 127.0.0.2 to be refused",
                    () -> rcptFrom("127.0.0.2", "carol@example.org").startsWith("554 5.7.1"));
            updateUntil(
                    "org.karavel.relay",
                    "local_domains",
                    "localhost, example.org",
                    "example.org to become local",
                    () -> rcptFrom("127.0.0.2", "carol@example.org").startsWith("250"));
            String reply = sendFrom(
                    "127.0.0.2",
                    "x@remote.test",
                    "carol@example.org",
                    "From: <x@remote.test>\r\nSubject: new domain\r\n\r\nHi.\r\n");
            assertTrue(reply, reply.startsWith("250 2.0.0"));
            Path newDir = maildir("example.org", "carol").resolve("new");
            Poll.until("delivery to carol@example.org", WAIT, () -> Maildirs.count(newDir) == 1);
        } finally {
            updateUntil(
                    "org.karavel.relay",
                    "local_domains",
                    "localhost",
                    "example.org to be remote again",
                    () -> rcptFrom("127.0.0.2", "carol@example.org").startsWith("554 5.7.1"));
            restoreRelayHosts();
        }
    }

    @Test
    public void temporaryFailureIsRetried() throws Exception {
        AtomicInteger tries = new AtomicInteger();
        sink.onRcpt(r ->
                r.startsWith("retry") && tries.incrementAndGet() <= 2 ? "451 4.3.0 Try again later" : "250 2.1.5 Ok");
        try {
            String reply =
                    send("127.0.0.1", "app@localhost", "retry@implicit.test", "Subject: retried\r\n\r\nBody.\r\n");
            assertTrue(reply, reply.startsWith("250 2.0.0"));
            Poll.until(
                    "the retried message at the sink",
                    WAIT,
                    () -> sink.messages().stream().anyMatch(m -> m.recipients().contains("retry@implicit.test")));
            assertTrue("tried " + tries.get() + " times", tries.get() >= 3);
        } finally {
            sink.onRcpt(r -> "250 2.1.5 Ok");
        }
    }

    @Test
    public void permanentFailureBouncesToSender() throws Exception {
        sink.onRcpt(r -> r.startsWith("nobody") ? "550 5.1.1 <" + r + ">: Recipient address rejected" : "250 2.1.5 Ok");
        try {
            String reply =
                    send("127.0.0.1", "dave@localhost", "nobody@remote.test", "Subject: doomed\r\n\r\nBody.\r\n");
            assertTrue(reply, reply.startsWith("250 2.0.0"));
            Path newDir = maildir("localhost", "dave").resolve("new");
            Poll.until("the bounce in dave's Maildir", WAIT, () -> Maildirs.count(newDir) == 1);
            String dsn = Files.readString(only(newDir));
            assertTrue(dsn, dsn.contains("multipart/report"));
            assertTrue(dsn, dsn.contains("report-type=delivery-status"));
            assertTrue(dsn, dsn.contains("Final-Recipient: rfc822; nobody@remote.test"));
            assertTrue(dsn, dsn.contains("Status: 5.1.1"));
            assertTrue(dsn, dsn.contains("Subject: doomed"));
            assertTrue(dsn, dsn.contains("Return-Path: <>"));
        } finally {
            sink.onRcpt(r -> "250 2.1.5 Ok");
        }
    }

    @Test
    public void nullMxBouncesAtOnce() throws Exception {
        String reply = send("127.0.0.1", "erin@localhost", "someone@nullmx.test", "Subject: null mx\r\n\r\nBody.\r\n");
        assertTrue(reply, reply.startsWith("250 2.0.0"));
        Path newDir = maildir("localhost", "erin").resolve("new");
        Poll.until("the null MX bounce", WAIT, () -> Maildirs.count(newDir) == 1);
        String dsn = Files.readString(only(newDir));
        assertTrue(dsn, dsn.contains("Status: 5.1.10"));
    }

    @Test
    public void spoolRestartKeepsQueuedMail() throws Exception {
        // hold mail at the sink with 4xx so that it stays queued across the restart
        sink.onRcpt(r -> r.startsWith("held") ? "451 4.3.0 Not now" : "250 2.1.5 Ok");
        try {
            for (int i = 0; i < 5; i++) {
                String reply = send(
                        "127.0.0.1",
                        "app@localhost",
                        "held" + i + "@remote.test",
                        "Subject: held " + i + "\r\n\r\nBody.\r\n");
                assertTrue(reply, reply.startsWith("250 2.0.0"));
            }
            Bundle spoolBundle = bundle("org.karavel.spool");
            spoolBundle.stop();
            spoolBundle.start();
            Poll.until("the spool service to return with the held mail", WAIT, () -> {
                Spool s = service(Spool.class);
                return s != null
                        && s.list().stream()
                                        .filter(m -> m.envelope()
                                                .recipients()
                                                .get(0)
                                                .localPart()
                                                .startsWith("held"))
                                        .count()
                                == 5;
            });
            sink.onRcpt(r -> "250 2.1.5 Ok");
            service(Spool.class).flushAll();
            Poll.until(
                    "all five held messages at the sink",
                    WAIT,
                    () -> sink.messages().stream()
                                    .filter(m -> m.recipients().get(0).startsWith("held"))
                                    .count()
                            == 5);
        } finally {
            sink.onRcpt(r -> "250 2.1.5 Ok");
        }
    }

    @org.junit.Before
    public void awaitListener() {
        KaravelContainer.awaitListening(KaravelContainer.smtpPort());
    }

    private void restoreRelayHosts() throws IOException {
        updateUntil(
                "org.karavel.relay",
                "relay_hosts",
                "127.0.0.0/8, ::1/128",
                "relay_hosts to be restored",
                () -> rcptFrom("127.0.0.2", "victim@remote.test").startsWith("250"));
    }

    /** The reply to RCPT TO in a fresh session from the given local address. */
    private static String rcptFrom(String localAddress, String rcpt) {
        try (SmtpClient c = connectFrom(localAddress)) {
            c.readReply();
            c.command("EHLO client.test");
            c.command("MAIL FROM:<x@remote.test>");
            return c.command("RCPT TO:<" + rcpt + ">");
        } catch (IOException e) {
            return "I/O error: " + e;
        }
    }

    @Test
    public void shellListsAndFlushesTheQueue() throws Exception {
        // an hour before any retry: within the minute this test waits, only the flush can deliver
        setBackoff("7200", "3600");
        sink.onRcpt(r -> r.startsWith("shell") ? "451 4.3.0 Not now" : "250 2.1.5 Ok");
        try {
            String reply = send("127.0.0.1", "app@localhost", "shell@remote.test", "Subject: shell\r\n\r\nBody.\r\n");
            assertTrue(reply, reply.startsWith("250 2.0.0"));
            String id = reply.substring(reply.lastIndexOf(' ') + 1).trim();
            // deferred with the long backoff (a first attempt made before the new setting took effect
            // is retried within 2 s, and then deferred with it)
            Poll.until(
                    "the message to be deferred by an hour",
                    WAIT,
                    () -> spool.get(new QueueId(id))
                            .map(m -> m.attempts() >= 1
                                    && m.nextAttempt().isAfter(Instant.now().plus(Duration.ofMinutes(30))))
                            .orElse(false));
            String listing = shell("mta:queue-list");
            assertTrue(listing, listing.contains(id));
            assertTrue(listing, listing.contains("shell@remote.test"));
            assertTrue(listing, listing.contains("app@localhost"));
            assertTrue(listing, listing.contains("451 4.3.0 Not now"));

            sink.onRcpt(r -> "250 2.1.5 Ok");
            String flushed = shell("mta:queue-flush " + id);
            assertEquals("Flushed 1 message.", flushed.strip());
            Poll.until(
                    "the flushed message at the sink",
                    WAIT,
                    () -> sink.messages().stream().anyMatch(m -> m.recipients().contains("shell@remote.test")));
            Poll.until(
                    "the queue to be empty of it",
                    WAIT,
                    () -> spool.get(new QueueId(id)).isEmpty());
        } finally {
            sink.onRcpt(r -> "250 2.1.5 Ok");
            setBackoff("2", "1");
        }
    }

    /** Sets the delivery backoff, the maximum first when it grows and last when it shrinks, so that min <= max throughout. */
    private void setBackoff(String max, String min) {
        boolean growing =
                Integer.parseInt(max) > Integer.parseInt(onDiskOr("org.karavel.delivery", "max_backoff_seconds", "2"));
        if (growing) {
            updateUntil("org.karavel.delivery", "max_backoff_seconds", max, "max_backoff " + max, () -> true);
        }
        updateUntil("org.karavel.delivery", "min_backoff_seconds", min, "min_backoff " + min, () -> true);
        if (!growing) {
            updateUntil("org.karavel.delivery", "max_backoff_seconds", max, "max_backoff " + max, () -> true);
        }
    }

    private static String onDiskOr(String pid, String key, String otherwise) {
        String v = onDisk(pid, key);
        return v == null ? otherwise : v;
    }

    private String shell(String command) {
        return KarafShell.run(context, command);
    }

    private <T> T service(Class<T> type) {
        var ref = context.getServiceReference(type);
        return ref == null ? null : context.getService(ref);
    }

    private Bundle bundle(String symbolicName) {
        return Stream.of(context.getBundles())
                .filter(b -> b.getSymbolicName().equals(symbolicName))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no bundle " + symbolicName));
    }

    /**
     * Sets a key and waits until etc/ holds it too and it has taken effect, setting it again whenever it has
     * been put back: File Install can apply an earlier update's etc/ file over a later update when two come
     * within its poll interval.
     */
    private void updateUntil(String pid, String key, String value, String what, BooleanSupplier effect) {
        Poll.until(what, WAIT, () -> {
            try {
                org.osgi.service.cm.Configuration c = configAdmin.getConfiguration(pid, null);
                Dictionary<String, Object> props = c.getProperties() == null ? new Hashtable<>() : c.getProperties();
                if (!value.equals(props.get(key))) {
                    props.put(key, value);
                    c.update(props);
                    return false;
                }
            } catch (IOException e) {
                return false;
            }
            return value.equals(onDisk(pid, key)) && effect.getAsBoolean();
        });
    }

    private static String onDisk(String pid, String key) {
        Properties p = new Properties();
        try (var in = Files.newInputStream(Path.of(System.getProperty("karaf.etc"), pid + ".cfg"))) {
            p.load(in);
        } catch (IOException e) {
            return null;
        }
        return p.getProperty(key);
    }

    private static Path maildir(String domain, String user) {
        return new File(System.getProperty("karaf.data"), "mail")
                .toPath()
                .resolve(domain)
                .resolve(user);
    }

    private static Path only(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findFirst().orElseThrow();
        }
    }

    private static SmtpClient connectFrom(String localAddress) throws IOException {
        return new SmtpClient(
                "127.0.0.1",
                KaravelContainer.smtpPort(),
                new InetSocketAddress(InetAddress.getByName(localAddress), 0));
    }

    private static String send(String from, String sender, String rcpt, String content) throws IOException {
        return sendFrom(from, sender, rcpt, content);
    }

    private static String sendFrom(String localAddress, String sender, String rcpt, String content) throws IOException {
        try (SmtpClient c = connectFrom(localAddress)) {
            String greeting = c.readReply();
            assertTrue(greeting, greeting.startsWith("220"));
            assertTrue(c.command("EHLO client.test").startsWith("250"));
            String reply = c.sendMail(sender, List.of(rcpt), content);
            c.command("QUIT");
            return reply;
        }
    }
}
