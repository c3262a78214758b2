package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.karavel.api.auth.MailboxUserAdmin;
import org.karavel.api.auth.MailboxUsers;
import org.karavel.testkit.FailingHandshake;
import org.karavel.testkit.SmtpClient;
import org.karavel.testkit.TrustAll;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The distribution as a domain's MX on the open Internet (issue 12): only 127.0.0.1 is a relay host
 * and the tests speak from 127.0.0.2, a stranger.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class InternetFacingIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String STRANGER = "127.0.0.2";
    private static final int STORM = 200;
    private static final String USER = "alice@localhost";
    private static final String PASSWORD = "correct horse battery staple";

    @Inject
    private MailboxUserAdmin userAdmin;

    @Inject
    private MailboxUsers users;

    @Inject
    private ConfigurationAdmin configAdmin;

    private static final int STORM_THREADS = 8;
    private static final int RELAY_CONNECTIONS = 100;
    private static final int PER_CLIENT = 20;

    @Configuration
    public Option[] config() {
        return KaravelContainer.options(
                editConfigurationFilePut("etc/org.karavel.relay.cfg", "relay_hosts", "127.0.0.1/32"),
                // the AUTH throttle counts IPv4 clients by /24 on 587, so that loopback addresses can stand in
                // for the many addresses of one IPv6 /64
                editConfigurationFilePut(
                        "etc/org.karavel.smtp.listener-submission.cfg", "client_ipv4_prefix_length", "24"),
                // dual stack as the default "::" gives it, but on loopback only
                editConfigurationFilePut("etc/org.karavel.smtp.listener-mx.cfg", "address", "127.0.0.1, ::1"));
    }

    @org.junit.Before
    public void awaitListeners() {
        KaravelContainer.awaitListening(KaravelContainer.smtpPort());
        KaravelContainer.awaitListening(submissionsPort());
    }

    @Test
    public void failedHandshakesOfEveryKindLeaveNoConnectionCounted() throws Exception {
        long started = System.nanoTime();
        for (FailingHandshake kind : FailingHandshake.values()) {
            storm(submissionsPort(), false, kind);
            storm(KaravelContainer.smtpPort(), true, kind);
        }
        long stormMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        Poll.until(
                "karavel_smtp_connections 0 on mx and submissions",
                WAIT,
                () -> open("mx") == 0 && open("submissions") == 0,
                () -> "mx " + open("mx") + ", submissions " + open("submissions"));
        double failures = metric("karavel_smtp_tls_handshake_failures_total", "mx")
                + metric("karavel_smtp_tls_handshake_failures_total", "submissions");
        System.out.printf(
                "InternetFacingIT: %d failing handshakes (%d of each of %d kinds on 465 and after STARTTLS on 25) "
                        + "from %s in %d ms; %.0f counted as TLS failures; karavel_smtp_connections afterwards: mx %.0f, submissions %.0f%n",
                STORM * FailingHandshake.values().length * 2,
                STORM,
                FailingHandshake.values().length,
                STRANGER,
                stormMillis,
                failures,
                open("mx"),
                open("submissions"));
        // garbage and TLS 1.0 are TLS errors on both listeners, each counted once
        assertTrue("handshake failures counted: " + failures, failures >= 4 * STORM && failures < 8 * STORM);

        // a fresh connection from the same address is served on both
        try (SmtpClient c = new SmtpClient("127.0.0.1", submissionsPort(), new InetSocketAddress(STRANGER, 0))) {
            c.startTls(TrustAll.socketFactory());
            assertTrue(c.readReply().startsWith("220 "));
            assertTrue(c.command("EHLO client.test").startsWith("250"));
        }
        try (SmtpClient c =
                new SmtpClient("127.0.0.1", KaravelContainer.smtpPort(), new InetSocketAddress(STRANGER, 0))) {
            assertTrue(c.readReply().startsWith("220 "));
            assertTrue(c.command("EHLO client.test").contains("STARTTLS"));
            assertTrue(c.command("STARTTLS").startsWith("220 "));
            c.startTls(TrustAll.socketFactory());
            assertTrue(c.command("EHLO client.test").startsWith("250"));
        }
    }

    @Test
    public void theRelayHostIsNotLimitedPerClientButAStrangerIs() throws Exception {
        List<SmtpClient> open = new ArrayList<>();
        try {
            List<String> relay = greetings("127.0.0.1", RELAY_CONNECTIONS, open);
            assertEquals(
                    RELAY_CONNECTIONS,
                    relay.stream().filter(g -> g.startsWith("220 ")).count());
            List<String> stranger = greetings("127.0.0.3", PER_CLIENT + 5, open);
            System.out.printf(
                    "InternetFacingIT: the relay host opened %d connections at once: %d greeted; a stranger opened %d: %d greeted, %d refused%n",
                    RELAY_CONNECTIONS,
                    relay.stream().filter(g -> g.startsWith("220 ")).count(),
                    PER_CLIENT + 5,
                    stranger.stream().filter(g -> g.startsWith("220 ")).count(),
                    stranger.stream().filter(g -> g.startsWith("421 ")).count());
            assertEquals(
                    PER_CLIENT,
                    stranger.stream().filter(g -> g.startsWith("220 ")).count());
            assertEquals(
                    5,
                    stranger.stream()
                            .filter(g -> g.equals("421 4.7.0 mx.karavel.test Too many connections"))
                            .count());
        } finally {
            for (SmtpClient c : open) {
                c.close();
            }
        }
    }

    @Test
    public void authFailuresSpreadOverOneNetworkAreThrottledTogether() throws Exception {
        int port = Integer.getInteger(KaravelContainer.SUBMISSION_PORT);
        int failed = 0;
        int refused = 0;
        for (int i = 0; i < 30; i++) {
            try (SmtpClient c = new SmtpClient("127.0.0.1", port, new InetSocketAddress("127.0.9." + (10 + i), 0))) {
                c.readReply();
                c.command("EHLO client.test");
                assertTrue(c.command("STARTTLS").startsWith("220"));
                c.startTls(TrustAll.socketFactory());
                c.command("EHLO client.test");
                String r = c.command("AUTH PLAIN "
                        + Base64.getEncoder()
                                .encodeToString(("\0guesser@localhost\0guess" + i).getBytes(StandardCharsets.UTF_8)));
                if (r.startsWith("535 5.7.8")) {
                    failed++;
                } else {
                    assertEquals("421 4.7.0 mx.karavel.test Too many failed authentications, try later", r);
                    refused++;
                }
            }
        }
        System.out.printf(
                "InternetFacingIT: 30 AUTH guesses from 30 addresses of 127.0.9.0/24 (client_ipv4_prefix_length = 24): "
                        + "%d checked, %d refused by the throttle%n",
                failed, refused);
        assertEquals("auth_max_failures (5) for the whole network", 5, failed);
        assertEquals(25, refused);
    }

    @Test
    public void theMxListenerServesIpv4AndIpv6Clients() throws Exception {
        for (String client : List.of("127.0.0.2", "::1")) {
            try (SmtpClient c = new SmtpClient(
                    client.contains(":") ? "::1" : "127.0.0.1",
                    KaravelContainer.smtpPort(),
                    new InetSocketAddress(client, 0))) {
                assertTrue(c.readReply().startsWith("220 mx.karavel.test"));
                assertTrue(c.command("EHLO client.test").startsWith("250-mx.karavel.test"));
                assertTrue(c.command("MAIL FROM:<someone@example.org>").startsWith("250 2.1.0"));
            }
        }
    }

    @Test
    public void aMessageWithFiftyOneReceivedFieldsIsRefusedAsALoop() throws Exception {
        try (SmtpClient c = new SmtpClient("127.0.0.1", KaravelContainer.smtpPort())) {
            c.readReply();
            c.command("EHLO client.test");
            String fifty = c.sendMail("loop@localhost", List.of("postmaster@localhost"), withHops(50));
            assertTrue(fifty, fifty.startsWith("250 2.0.0"));
            assertEquals(
                    "554 5.4.6 Too many hops",
                    c.sendMail("loop@localhost", List.of("postmaster@localhost"), withHops(51)));
        }
    }

    private static String withHops(int hops) {
        StringBuilder b = new StringBuilder();
        for (int i = hops; i > 0; i--) {
            b.append("Received: from hop")
                    .append(i)
                    .append(".example.org ([192.0.2.")
                    .append(i)
                    .append("])\r\n\tby hop")
                    .append(i + 1)
                    .append(".example.org with ESMTP; Mon, 7 Dec 2026 07:00:00 +0000\r\n");
        }
        return b.append("Subject: loop\r\n\r\nround and round\r\n").toString();
    }

    @Test
    public void port25DoesNotOfferAuthAndWhereAuthIsOfferedTheSenderCheckApplies() throws Exception {
        try (SmtpClient c =
                new SmtpClient("127.0.0.1", KaravelContainer.smtpPort(), new InetSocketAddress(STRANGER, 0))) {
            c.readReply();
            c.command("EHLO client.test");
            assertTrue(c.command("STARTTLS").startsWith("220"));
            c.startTls(TrustAll.socketFactory());
            String ehlo = c.command("EHLO client.test");
            assertTrue("no AUTH on the mx listener: " + ehlo, ehlo.startsWith("250-") && !ehlo.contains("AUTH"));
            assertEquals(
                    "503 5.5.1 Error: authentication not enabled", c.command("AUTH PLAIN " + plain(USER, PASSWORD)));
        }
        // an operator turns AUTH on for port 25 with the old "sender_login_match = false": the check still applies
        if (!userAdmin.list().contains(USER)) {
            userAdmin.add(USER, PASSWORD.toCharArray());
        }
        Poll.until(
                "the user to authenticate",
                WAIT,
                () -> users.authenticate(USER, PASSWORD.toCharArray())
                        .toCompletableFuture()
                        .join()
                        .isPresent());
        org.osgi.service.cm.Configuration mx =
                configAdmin.listConfigurations("(&(service.factoryPid=org.karavel.smtp.listener)(name=mx))")[0];
        Dictionary<String, Object> saved = mx.getProperties();
        Hashtable<String, Object> withAuth = new Hashtable<>();
        for (Enumeration<String> k = saved.keys(); k.hasMoreElements(); ) {
            String key = k.nextElement();
            withAuth.put(key, saved.get(key));
        }
        withAuth.put("auth", "true");
        withAuth.put("sender_login_match", "false");
        mx.update(withAuth);
        try {
            Poll.until(
                    "AUTH offered on the mx listener",
                    WAIT,
                    () -> ehloAfterTls(KaravelContainer.smtpPort()).contains("AUTH PLAIN"));
            try (SmtpClient c =
                    new SmtpClient("127.0.0.1", KaravelContainer.smtpPort(), new InetSocketAddress(STRANGER, 0))) {
                c.readReply();
                c.command("EHLO client.test");
                assertTrue(c.command("STARTTLS").startsWith("220"));
                c.startTls(TrustAll.socketFactory());
                c.command("EHLO client.test");
                assertTrue(c.command("AUTH PLAIN " + plain(USER, PASSWORD)).startsWith("235"));
                assertEquals(
                        "553 5.7.1 <mallory@localhost>: Sender address rejected: not owned by user " + USER,
                        c.command("MAIL FROM:<mallory@localhost>"));
                assertTrue(c.command("MAIL FROM:<" + USER + ">").startsWith("250"));
            }
        } finally {
            mx.update(saved);
        }
        Poll.until(
                "AUTH off again on the mx listener",
                WAIT,
                () -> !ehloAfterTls(KaravelContainer.smtpPort()).contains("AUTH"));
    }

    /** The EHLO reply after STARTTLS from the stranger ("" when the dialogue fails). */
    private static String ehloAfterTls(int port) {
        try (SmtpClient c = new SmtpClient("127.0.0.1", port, new InetSocketAddress(STRANGER, 0))) {
            c.readReply();
            c.command("EHLO client.test");
            c.command("STARTTLS");
            c.startTls(TrustAll.socketFactory());
            return c.command("EHLO client.test");
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static String plain(String user, String password) {
        return Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Opens n connections from one address at once; every client stays open (added to {@code open}). */
    private static List<String> greetings(String from, int n, List<SmtpClient> open) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(n, 50));
        try {
            List<Future<String>> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                all.add(pool.submit(() -> {
                    SmtpClient c =
                            new SmtpClient("127.0.0.1", KaravelContainer.smtpPort(), new InetSocketAddress(from, 0));
                    synchronized (open) {
                        open.add(c);
                    }
                    return c.readReply();
                }));
            }
            List<String> replies = new ArrayList<>();
            for (Future<String> f : all) {
                replies.add(f.get(2, TimeUnit.MINUTES));
            }
            return replies;
        } finally {
            pool.shutdownNow();
        }
    }

    /** STORM connections from the stranger, each failing its handshake this way, a few at a time. */
    private static void storm(int port, boolean startTls, FailingHandshake kind) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(STORM_THREADS);
        try {
            List<Future<?>> all = new ArrayList<>();
            for (int i = 0; i < STORM; i++) {
                all.add(pool.submit(() -> {
                    Socket s = new Socket();
                    s.bind(new InetSocketAddress(STRANGER, 0));
                    s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                    s.setSoTimeout(30_000);
                    if (startTls) {
                        startTls(s);
                    }
                    kind.play(s);
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Greeting, EHLO, STARTTLS and its 220 on a raw socket: the ClientHello is due next. */
    private static void startTls(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        String greeting = line(in);
        assertTrue(greeting, greeting.startsWith("220 "));
        s.getOutputStream().write("EHLO client.test\r\n".getBytes(StandardCharsets.US_ASCII));
        String l;
        do {
            l = line(in);
        } while (l.length() > 3 && l.charAt(3) == '-');
        s.getOutputStream().write("STARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
        String ready = line(in);
        assertTrue(ready, ready.startsWith("220 "));
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            b.append((char) c);
        }
        return b.toString().strip();
    }

    /** karavel_smtp_connections of a listener; -1 while /metrics cannot be read. */
    private static double open(String listener) {
        return metric("karavel_smtp_connections", listener);
    }

    private static double metric(String family, String listener) {
        try {
            AdminHttp.Response r = new AdminHttp(Integer.getInteger(KaravelContainer.ADMIN_PORT)).get("/metrics");
            MetricsText.Family f = MetricsText.parse(r.body()).get(family);
            if (r.status() != 200 || f == null) {
                return -1;
            }
            return f.samples().stream()
                    .filter(x -> listener.equals(x.labels().get("listener")))
                    .mapToDouble(MetricsText.Sample::value)
                    .sum();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static int submissionsPort() {
        return Integer.getInteger(KaravelContainer.SUBMISSIONS_PORT);
    }
}
