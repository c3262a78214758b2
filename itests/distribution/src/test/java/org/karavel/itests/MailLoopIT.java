package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.inject.Inject;
import org.junit.BeforeClass;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.karavel.api.queue.Spool;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.SmtpClient;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.service.cm.ConfigurationAdmin;
import org.xbill.DNS.Type;

/**
 * The mail loop of issue 12 on the real distribution: loop.test is a relay domain whose MX is this
 * server (127.0.0.1 on the mx listener's port, which is also delivery's remote_port). A stranger's
 * message to it must end with exactly one bounce, "loops back to myself", without delivery ever
 * connecting to its own listener.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class MailLoopIT {
    private static final String LOOP_PORT = "karavel.test.loopPort";
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static LoopbackDnsServer dns;

    @Inject
    private ConfigurationAdmin configAdmin;

    @Inject
    private Spool spool;

    @Configuration
    public Option[] config() {
        // the mx listener and delivery's remote port are the same port: an MX at 127.0.0.1 is us
        String port = Integer.toString(KaravelContainer.freePort());
        return KaravelContainer.options(
                editConfigurationFilePut("etc/org.karavel.smtp.listener-mx.cfg", "port", port),
                editConfigurationFilePut("etc/org.karavel.delivery.cfg", "remote_port", port),
                editConfigurationFilePut("etc/org.karavel.relay.cfg", "relay_domains", "loop.test"),
                editConfigurationFilePut("etc/org.karavel.relay.cfg", "relay_hosts", "127.0.0.1/32"),
                systemProperty(LOOP_PORT).value(port));
    }

    @BeforeClass
    public static synchronized void startPeers() throws IOException {
        if (dns != null) {
            return;
        }
        dns = LoopbackDnsServer.start(Integer.getInteger(KaravelContainer.DNS_PORT));
        dns.add("loop.test", Type.MX, "10 mx.loop.test.", 60);
        dns.add("mx.loop.test", Type.A, "127.0.0.1", 60);
    }

    @Test
    public void mailForARelayDomainWhoseMxIsThisServerBouncesOnce() throws Exception {
        int port = Integer.getInteger(LOOP_PORT);
        assertEquals("the mx listener listens on delivery's remote port", Integer.toString(port), listenerPort("mx"));
        KaravelContainer.awaitListening(port);
        String reply;
        // a stranger (not in relay_hosts) may send to a relay domain
        try (SmtpClient c =
                new SmtpClient("127.0.0.1", port, new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0))) {
            assertTrue(c.readReply().startsWith("220"));
            assertTrue(c.command("EHLO stranger.test").startsWith("250"));
            reply = c.sendMail(
                    "alice@localhost",
                    List.of("someone@loop.test"),
                    "From: <alice@sender.test>\r\nSubject: round and round\r\nMessage-ID: <loop@localhost>\r\n\r\nHi.\r\n");
            c.command("QUIT");
        }
        assertTrue(reply, reply.startsWith("250 2.0.0"));

        Path newDir =
                new File(System.getProperty("karaf.data"), "mail").toPath().resolve("localhost/alice/new");
        Poll.until(
                "a bounce in alice's Maildir and an empty queue",
                WAIT,
                () -> Maildirs.count(newDir) >= 1 && spool.size() == 0);
        assertEquals("exactly one bounce", 1, Maildirs.count(newDir));
        String bounce = Files.readString(only(newDir));
        assertTrue(bounce, bounce.contains("Status: 5.4.6"));
        assertTrue(bounce, bounce.contains("mail for loop.test loops back to myself"));
        assertTrue(bounce, bounce.contains("Final-Recipient: rfc822; someone@loop.test"));
        // the returned header section holds our own Received: field only: it never went round
        int returned = bounce.indexOf("text/rfc822-headers");
        assertTrue(bounce, returned > 0);
        Matcher received = Pattern.compile("(?m)^Received:").matcher(bounce.substring(returned));
        int count = 0;
        while (received.find()) {
            count++;
        }
        assertEquals(bounce, 1, count);
    }

    private String listenerPort(String name) throws Exception {
        for (org.osgi.service.cm.Configuration c :
                configAdmin.listConfigurations("(service.factoryPid=org.karavel.smtp.listener)")) {
            if (name.equals(String.valueOf(c.getProperties().get("name")))) {
                return String.valueOf(c.getProperties().get("port"));
            }
        }
        return "";
    }

    private static Path only(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findFirst().orElseThrow();
        }
    }
}
