package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.karavel.testkit.SmtpClient;
import org.karavel.testkit.Trickle;

/**
 * Slow and abusive clients against the running distribution (issue 7), all at once: two slowlorises
 * (a byte a second in a command and in DATA), 1,200 connections that never speak from 24 loopback
 * addresses, a client that pipelines 10,000 EHLO commands without reading a reply, a 1 MB line without
 * CRLF and a client that sends only bad commands. Meanwhile a well-behaved client sends mail from
 * 127.0.0.1; every message must be accepted quickly, each abuser is cut off by its own limit with
 * the right reply, the Karaf JVM's memory stays bounded and the server serves afterwards.
 */
public class AbuseIT {
    private static final String HOST = "mx.karavel.test";
    private static final int TIMEOUT_SECONDS = 10;
    private static final int PER_IP = 40;
    private static final int IDLE_ADDRESSES = 24;
    private static final int IDLE_PER_ADDRESS = 50;
    private static final int MAX_ERRORS = 20;
    private static final int MESSAGES = 200;
    private static final int SENDERS = 2;
    private static final long RSS_BOUND_KIB = 1536L * 1024;
    private static final Duration CUT_OFF = Duration.ofSeconds(TIMEOUT_SECONDS + 60);
    private static final String TIMEOUT_REPLY = "421 4.4.2 " + HOST + " Error: timeout exceeded";
    private static Distribution karavel;
    private static int smtpPort;

    @BeforeClass
    public static void boot() throws Exception {
        karavel = Distribution.unpack("abuse");
        smtpPort = KaravelContainer.freePort();
        karavel.configure(
                "org.karavel.smtp.listener-mx.cfg",
                Map.of(
                        "address",
                        "127.0.0.1",
                        "port",
                        Integer.toString(smtpPort),
                        "hostname",
                        HOST,
                        "command_timeout_seconds",
                        Integer.toString(TIMEOUT_SECONDS),
                        "data_timeout_seconds",
                        Integer.toString(TIMEOUT_SECONDS),
                        "max_command_line",
                        "2048",
                        "max_connections",
                        "2000",
                        "max_connections_per_ip",
                        Integer.toString(PER_IP),
                        "max_errors",
                        Integer.toString(MAX_ERRORS)));
        // 127.0.0.1-15 are relay hosts (no DNSBL or greylisting); the silent crowd comes from 127.0.0.20+
        karavel.configure("org.karavel.relay.cfg", Map.of("relay_hosts", "127.0.0.0/28"));
        karavel.submissionOnLoopback();
        karavel.configure("org.karavel.dns.cfg", Map.of("servers", "127.0.0.1:" + KaravelContainer.freePort()));
        karavel.start();
        Distribution.awaitSmtp(smtpPort);
    }

    @AfterClass
    public static void stop() throws Exception {
        Distribution.closeAll(karavel);
    }

    @Test
    public void abusersAreCutOffByTheirLimitsWhileMailFlows() throws Exception {
        long rssBefore = karavel.residentKib();
        AtomicLong rssPeak = new AtomicLong(rssBefore);
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(
                () -> rssPeak.accumulateAndGet(karavel.residentKib(), Math::max), 0, 250, TimeUnit.MILLISECONDS);
        ExecutorService pool = Executors.newCachedThreadPool();
        try {
            Future<Cut> slowCommand = pool.submit(() -> slowloris("127.0.0.2", false));
            Future<Cut> slowData = pool.submit(() -> slowloris("127.0.0.3", true));
            Future<Pipelined> pipelined = pool.submit(() -> pipeline("127.0.0.4"));
            Future<List<String>> longLine = pool.submit(() -> longLine("127.0.0.5"));
            Future<List<String>> badCommands = pool.submit(() -> badCommands("127.0.0.6"));
            Future<List<List<SilentClient>>> silent = pool.submit(AbuseIT::silentCrowd);
            List<Future<List<Long>>> senders = new ArrayList<>();
            for (int s = 0; s < SENDERS; s++) {
                int first = s * (MESSAGES / SENDERS);
                senders.add(pool.submit(() -> wellBehaved(first, MESSAGES / SENDERS)));
            }

            // the well-behaved client: every message accepted, and quickly
            List<Long> latencies = new ArrayList<>();
            for (Future<List<Long>> f : senders) {
                latencies.addAll(f.get(10, TimeUnit.MINUTES));
            }
            Collections.sort(latencies);
            long p50 = latencies.get(latencies.size() / 2);
            long p99 = latencies.get((int) Math.ceil(latencies.size() * 0.99) - 1);
            long max = latencies.get(latencies.size() - 1);
            System.out.printf(
                    "AbuseIT: %d messages accepted meanwhile, session latency (connect to 250) p50=%d ms p99=%d ms max=%d ms%n",
                    latencies.size(), p50, p99, max);
            assertEquals(MESSAGES, latencies.size());
            assertTrue("p99 " + p99 + " ms", p99 < 5000);

            // the silent crowd: the per-address limit, then the command timeout for those let in
            List<List<SilentClient>> crowd = silent.get(5, TimeUnit.MINUTES);
            int held = 0;
            int refused = 0;
            int timedOut = 0;
            for (List<SilentClient> fromOneAddress : crowd) {
                int greeted = 0;
                for (SilentClient c : fromOneAddress) {
                    if (c.greeting.startsWith("220")) {
                        greeted++;
                        String after = readOrNull(c.client);
                        assertEquals(TIMEOUT_REPLY, after);
                        timedOut++;
                    } else {
                        assertEquals("421 4.7.0 " + HOST + " Too many connections", c.greeting);
                        refused++;
                    }
                    c.client.close();
                }
                assertEquals("greeted from one address", PER_IP, greeted);
                held += greeted;
            }
            System.out.printf(
                    "AbuseIT: %d silent connections from %d addresses: %d held (%d per address) then %d timed out, %d refused%n",
                    IDLE_ADDRESSES * IDLE_PER_ADDRESS, IDLE_ADDRESSES, held, PER_IP, timedOut, refused);
            assertEquals(IDLE_ADDRESSES * (IDLE_PER_ADDRESS - PER_IP), refused);

            // slowlorises: one line that takes too long, in commands and in DATA
            for (Future<Cut> f : List.of(slowCommand, slowData)) {
                Cut cut = f.get(5, TimeUnit.MINUTES);
                System.out.printf(
                        "AbuseIT: slowloris (%s) cut off after %d ms and %d bytes: %s%n",
                        cut.what, cut.millis, cut.bytes, cut.reply);
                assertEquals(TIMEOUT_REPLY, cut.reply);
                assertTrue(
                        cut.what + " cut off after " + cut.millis + " ms",
                        cut.millis >= (TIMEOUT_SECONDS - 1) * 1000L && cut.millis < CUT_OFF.toMillis());
                assertTrue("cut off before its line was done", cut.bytes < 100);
            }

            // the pipeliner: reading stopped while replies were unsent, then the command timeout
            Pipelined p = pipelined.get(5, TimeUnit.MINUTES);
            System.out.printf(
                    "AbuseIT: pipeliner sent 10,000 EHLOs without reading; could read %d replies (last: %s) once the server had closed%n",
                    p.replies.size(),
                    p.replies.isEmpty()
                            ? "none"
                            : p.replies.get(p.replies.size() - 1).replace('\n', '|'));
            // every pipelined command is answered, in order, none twice and none dropped (the replies wait in
            // the socket buffers: on loopback Linux's tcp_wmem holds all of them, so reading never stops
            // for good), and then the command timeout ends the session
            assertEquals("replies to 10,000 pipelined EHLOs, then the timeout", 10_001, p.replies.size());
            for (String r : p.replies.subList(0, 10_000)) {
                assertTrue(r, r.startsWith("250-" + HOST + "\n") && r.endsWith("\n250 CHUNKING"));
            }
            assertEquals(TIMEOUT_REPLY, p.replies.get(10_000));

            // the endless line: refused at once, then timed out, memory never grew with it
            List<String> line = longLine.get(5, TimeUnit.MINUTES);
            System.out.printf("AbuseIT: 1 MB line without CRLF: %s%n", line);
            assertEquals(List.of("500 5.5.2 Line too long", TIMEOUT_REPLY), line);

            // bad commands: max_errors, then 421 4.7.0
            List<String> bad = badCommands.get(5, TimeUnit.MINUTES);
            System.out.printf("AbuseIT: bad commands: %d refusals, then %s%n", bad.size() - 1, bad.get(bad.size() - 1));
            assertEquals(MAX_ERRORS + 1, bad.size());
            for (String r : bad.subList(0, MAX_ERRORS)) {
                assertEquals("500 5.5.2 Error: command not recognized", r);
            }
            assertEquals("421 4.7.0 " + HOST + " Error: too many errors", bad.get(MAX_ERRORS));
        } finally {
            pool.shutdownNow();
            sampler.shutdownNow();
        }

        // afterwards: memory bounded, the server still serves, every accepted message delivered
        long rssAfter = karavel.residentKib();
        System.out.printf(
                "AbuseIT: Karaf JVM RSS before %d MiB, peak %d MiB, after %d MiB (bound %d MiB)%n",
                rssBefore / 1024, rssPeak.get() / 1024, rssAfter / 1024, RSS_BOUND_KIB / 1024);
        assertTrue("RSS was read", rssBefore > 0 && rssAfter > 0);
        assertTrue("peak RSS " + rssPeak.get() + " KiB", rssPeak.get() < RSS_BOUND_KIB);
        assertTrue(wellBehaved(MESSAGES, 1).size() == 1);
        Path inbox = karavel.data().resolve("mail/localhost/user/new");
        Poll.until(
                (MESSAGES + 1) + " messages in " + inbox,
                Duration.ofSeconds(120),
                () -> Maildirs.count(inbox) == MESSAGES + 1);
    }

    // ------------------------------------------------------------------ the clients

    private record Cut(String what, String reply, long millis, int bytes) {}

    private record Pipelined(List<String> replies) {}

    private record SilentClient(SmtpClient client, String greeting) {}

    private static SmtpClient from(String ip) throws IOException {
        SmtpClient c = new SmtpClient("127.0.0.1", smtpPort, new InetSocketAddress(ip, 0));
        c.setReadTimeoutMillis((int) CUT_OFF.toMillis() + 30_000);
        return c;
    }

    /** Sends messages one session each from 127.0.0.1 and returns each session's time, connect to 250. */
    private static List<Long> wellBehaved(int first, int count) throws IOException {
        List<Long> latencies = new ArrayList<>();
        for (int i = first; i < first + count; i++) {
            long start = System.nanoTime();
            try (SmtpClient c = from("127.0.0.1")) {
                assertTrue(c.readReply().startsWith("220"));
                assertTrue(c.command("EHLO good.client.test").startsWith("250"));
                String reply = c.sendMail(
                        "app@localhost", List.of("user@localhost"), "Subject: well behaved " + i + "\r\n\r\nhello\r\n");
                assertTrue("message " + i + ": " + reply, reply.startsWith("250 2.0.0"));
                c.command("QUIT");
            }
            latencies.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        }
        return latencies;
    }

    /** A byte a second in a command line, or in a content line inside DATA. */
    private static Cut slowloris(String ip, boolean inData) throws IOException {
        try (SmtpClient c = from(ip)) {
            assertTrue(c.readReply().startsWith("220"));
            if (inData) {
                assertTrue(c.command("EHLO slow.client.test").startsWith("250"));
                assertTrue(c.command("MAIL FROM:<slow@client.test>").startsWith("250"));
                String rcpt = c.command("RCPT TO:<user@localhost>");
                assertTrue(rcpt, rcpt.startsWith("250"));
                assertTrue(c.command("DATA").startsWith("354"));
            }
            String line = inData ? "Subject: " + "s".repeat(190) + "\r\n" : "EHLO " + "s".repeat(195) + "\r\n";
            long start = System.nanoTime();
            try (Trickle t = new Trickle(c, line.getBytes(StandardCharsets.US_ASCII), Duration.ofSeconds(1))) {
                String reply = c.readReply();
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                int bytes = t.sent();
                assertNull("the connection is closed after the 421", readOrNull(c));
                return new Cut(inData ? "DATA" : "command", reply, millis, bytes);
            }
        }
    }

    /**
     * 10,000 EHLO commands in one go (about 1.7 MB of replies) into a small receive window, and no
     * reply read until the server has given up. Linux may take all the replies into the server's
     * send buffer (autotuned up to tcp_wmem's maximum, 4 MiB by default); otherwise the server stops
     * reading. Either way the session is cut off at the command timeout and the JVM holds at most
     * about 64 KiB of replies for it.
     */
    private static Pipelined pipeline(String ip) throws Exception {
        try (SmtpClient c = new SmtpClient("127.0.0.1", smtpPort, new InetSocketAddress(ip, 0), 8192)) {
            c.setReadTimeoutMillis((int) CUT_OFF.toMillis() + 30_000);
            assertTrue(c.readReply().startsWith("220"));
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 10_000; i++) {
                sb.append("EHLO pipeliner.client.test\r\n");
            }
            byte[] all = sb.toString().getBytes(StandardCharsets.US_ASCII);
            Thread writer = new Thread(
                    () -> {
                        try {
                            c.sendBytes(all); // may block while the server has stopped reading
                        } catch (IOException e) {
                            // the server closed the connection
                        }
                    },
                    "pipeliner");
            writer.setDaemon(true);
            writer.start();
            Poll.until(
                    "the server to time out the pipeliner",
                    CUT_OFF,
                    () -> log().contains("timeout after " + TIMEOUT_SECONDS + " s from [" + ip + "]"));
            List<String> replies = new ArrayList<>();
            while (true) {
                String r = readOrNull(c);
                if (r == null) {
                    break;
                }
                replies.add(r); // a multi-line EHLO reply counts as one
            }
            // the server never buffered 4 MiB of its input (that would be 421 4.7.0 too much pipelined input)
            assertTrue(!log().contains("client [" + ip + "] sent"));
            writer.join(TimeUnit.SECONDS.toMillis(30));
            assertTrue("the writer ended with the connection", !writer.isAlive());
            return new Pipelined(replies);
        }
    }

    /** 1 MB without a line end, then nothing: the 500 comes at once, the 421 at the time limit. */
    private static List<String> longLine(String ip) throws IOException {
        try (SmtpClient c = from(ip)) {
            assertTrue(c.readReply().startsWith("220"));
            byte[] line = new byte[1024 * 1024];
            Arrays.fill(line, (byte) 'x');
            c.sendBytes(line);
            List<String> replies = new ArrayList<>();
            for (String r = readOrNull(c); r != null; r = readOrNull(c)) {
                replies.add(r);
            }
            return replies;
        }
    }

    /** Bad commands pipelined: max_errors refusals, then 421 4.7.0 and the end of the connection. */
    private static List<String> badCommands(String ip) throws IOException {
        try (SmtpClient c = from(ip)) {
            assertTrue(c.readReply().startsWith("220"));
            c.send("XBAD\r\n".repeat(MAX_ERRORS + 5));
            List<String> replies = new ArrayList<>();
            for (String r = readOrNull(c); r != null; r = readOrNull(c)) {
                replies.add(r);
            }
            return replies;
        }
    }

    /**
     * Connections that never speak: IDLE_PER_ADDRESS from each of IDLE_ADDRESSES addresses, each
     * address's connections opened together so that the per-address limit decides who is greeted.
     */
    private static List<List<SilentClient>> silentCrowd() throws IOException {
        List<List<SilentClient>> crowd = new ArrayList<>();
        for (int a = 0; a < IDLE_ADDRESSES; a++) {
            String ip = "127.0.0." + (20 + a);
            List<SmtpClient> opened = new ArrayList<>();
            for (int i = 0; i < IDLE_PER_ADDRESS; i++) {
                opened.add(from(ip));
            }
            List<SilentClient> greeted = new ArrayList<>();
            for (SmtpClient c : opened) {
                greeted.add(new SilentClient(c, String.valueOf(c.readReply())));
            }
            crowd.add(greeted);
        }
        return crowd;
    }

    private static String log() {
        try {
            return karavel.log();
        } catch (IOException e) {
            return "";
        }
    }

    /** The next reply, or null when the server has closed the connection (end of stream or reset). */
    private static String readOrNull(SmtpClient c) {
        try {
            return c.readReply();
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no reply and no close within the read time limit", e);
        } catch (IOException e) {
            return null;
        }
    }
}
