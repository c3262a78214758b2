package org.karavel.itests;

import static org.ops4j.pax.exam.CoreOptions.maven;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.CoreOptions.vmOptions;
import static org.ops4j.pax.exam.CoreOptions.wrappedBundle;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.configureConsole;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.karafDistributionConfiguration;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.logLevel;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.karaf.options.LogLevelOption.LogLevel;

/**
 * How the itests boot the real Karavel distribution: resolved only from the local Maven repository,
 * every listener on 127.0.0.1 and a free port, the JVM flags that bin/karaf would pass.
 */
final class KaravelContainer {
    static final String VERSION = System.getProperty("karavel.version");
    static final String LOCAL_REPO = System.getProperty("karavel.localRepository");
    static final String SMTP_PORT = "karavel.test.smtpPort";
    static final String DNS_PORT = "karavel.test.dnsPort";
    static final String SINK_PORT = "karavel.test.sinkPort";
    static final String SUBMISSION_PORT = "karavel.test.submissionPort";
    static final String SUBMISSIONS_PORT = "karavel.test.submissionsPort";
    static final String ADMIN_PORT = "karavel.test.adminPort";

    private KaravelContainer() {}

    /** The options every test class starts from; {@code extra} adds or overrides. */
    static Option[] options(Option... extra) {
        int smtp = freePort();
        // the DNS server and the sink run in the container, on ports chosen here so that the
        // distribution boots already pointing at them (config changes later would race the test)
        int dns = freePort();
        int sink = freePort();
        int submission = freePort();
        int submissions = freePort();
        int admin = freePort();
        String mvnCfg = "etc/org.ops4j.pax.url.mvn.cfg";
        List<Option> o = new ArrayList<>(List.of(
                karafDistributionConfiguration()
                        .frameworkUrl(
                                maven("org.karavel", "karavel").type("tar.gz").version(VERSION))
                        .name("Karavel")
                        .unpackDirectory(new File("target/exam"))
                        .useDeployFolder(false),
                configureConsole().ignoreLocalConsole().ignoreRemoteShell(),
                logLevel(LogLevel.INFO),
                editConfigurationFilePut(mvnCfg, "org.ops4j.pax.url.mvn.localRepository", LOCAL_REPO),
                editConfigurationFilePut(
                        mvnCfg,
                        "org.ops4j.pax.url.mvn.defaultRepositories",
                        "${karaf.home.uri}system@id=system.repository@snapshots,file:" + LOCAL_REPO
                                + "@id=local@snapshots"),
                editConfigurationFilePut(mvnCfg, "org.ops4j.pax.url.mvn.repositories", ""),
                editConfigurationFilePut(mvnCfg, "org.ops4j.pax.url.mvn.offline", "true"),
                editConfigurationFilePut("etc/org.apache.karaf.shell.cfg", "sshPort", Integer.toString(freePort())),
                editConfigurationFilePut(
                        "etc/org.apache.karaf.management.cfg", "rmiRegistryPort", Integer.toString(freePort())),
                editConfigurationFilePut("etc/org.apache.karaf.management.cfg", "rmiRegistryHost", "127.0.0.1"),
                editConfigurationFilePut(
                        "etc/org.apache.karaf.management.cfg", "rmiServerPort", Integer.toString(freePort())),
                editConfigurationFilePut("etc/org.apache.karaf.management.cfg", "rmiServerHost", "127.0.0.1"),
                editConfigurationFilePut("etc/org.karavel.smtp.listener-mx.cfg", "address", "127.0.0.1"),
                editConfigurationFilePut("etc/org.karavel.smtp.listener-mx.cfg", "port", Integer.toString(smtp)),
                editConfigurationFilePut("etc/org.karavel.smtp.listener-mx.cfg", "hostname", "mx.karavel.test"),
                editConfigurationFilePut("etc/org.karavel.smtp.listener-submission.cfg", "address", "127.0.0.1"),
                editConfigurationFilePut(
                        "etc/org.karavel.smtp.listener-submission.cfg", "port", Integer.toString(submission)),
                editConfigurationFilePut("etc/org.karavel.smtp.listener-submission.cfg", "hostname", "mx.karavel.test"),
                editConfigurationFilePut("etc/org.karavel.smtp.listener-submissions.cfg", "address", "127.0.0.1"),
                editConfigurationFilePut(
                        "etc/org.karavel.smtp.listener-submissions.cfg", "port", Integer.toString(submissions)),
                editConfigurationFilePut(
                        "etc/org.karavel.smtp.listener-submissions.cfg", "hostname", "mx.karavel.test"),
                editConfigurationFilePut("etc/org.karavel.delivery.cfg", "helo_name", "mx.karavel.test"),
                // the tests of other features send to made-up local users; RecipientValidationIT and
                // LmtpVerificationIT put back the shipped default (users) or lmtp
                editConfigurationFilePut("etc/org.karavel.relay.cfg", "local_recipients", "any"),
                editConfigurationFilePut("etc/org.karavel.admin.cfg", "port", Integer.toString(admin)),
                systemProperty(ADMIN_PORT).value(Integer.toString(admin)),
                // nothing in a test may ask a real DNS server: only the test's own on loopback
                editConfigurationFilePut("etc/org.karavel.dns.cfg", "servers", "127.0.0.1:" + dns),
                editConfigurationFilePut("etc/org.karavel.delivery.cfg", "remote_port", Integer.toString(sink)),
                editConfigurationFilePut("etc/org.karavel.delivery.cfg", "min_backoff_seconds", "1"),
                editConfigurationFilePut("etc/org.karavel.delivery.cfg", "max_backoff_seconds", "2"),
                systemProperty(SMTP_PORT).value(Integer.toString(smtp)),
                systemProperty(DNS_PORT).value(Integer.toString(dns)),
                systemProperty(SINK_PORT).value(Integer.toString(sink)),
                systemProperty(SUBMISSION_PORT).value(Integer.toString(submission)),
                systemProperty(SUBMISSIONS_PORT).value(Integer.toString(submissions)),
                wrappedBundle(maven("org.karavel", "karavel-testkit").version(VERSION)),
                // Awaitility (Poll) for the tests that run in the container; both jars are bundles
                org.ops4j.pax.exam.CoreOptions.mavenBundle(
                        "org.hamcrest", "hamcrest", System.getProperty("karavel.hamcrest.version")),
                org.ops4j.pax.exam.CoreOptions.mavenBundle(
                        "org.awaitility", "awaitility", System.getProperty("karavel.awaitility.version")),
                vmOptions(javaModuleFlags())));
        o.addAll(Arrays.asList(extra));
        return o.toArray(new Option[0]);
    }

    /**
     * Waits until a listener answers: the probe may run before the karavel bundles have finished
     * starting, as a client connecting early to a booting server would.
     */
    static void awaitListening(int port) {
        Poll.until("a listener on port " + port, Duration.ofSeconds(120), () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                return true;
            } catch (IOException e) {
                return false;
            }
        });
    }

    static int smtpPort() {
        return Integer.getInteger(SMTP_PORT);
    }

    static synchronized int freePort() {
        // the kernel may hand the same free port to two calls in a row; a test's ports must all differ
        while (true) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
                if (HANDED_OUT.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    /** What bin/karaf passes on Java 9+; Pax Exam 4.14 does not. */
    private static String[] javaModuleFlags() {
        String locator = "lib/endorsed/org.apache.karaf.specs.locator-4.4.10.jar";
        String xml = "lib/endorsed/org.apache.karaf.specs.java.xml-4.4.10.jar";
        return new String[] {
            "--add-reads=java.xml=java.logging",
            "--add-exports=java.base/org.apache.karaf.specs.locator=java.xml,ALL-UNNAMED",
            "--patch-module",
            "java.base=" + locator,
            "--patch-module",
            "java.xml=" + xml,
            "--add-opens",
            "java.base/java.security=ALL-UNNAMED",
            "--add-opens",
            "java.base/java.net=ALL-UNNAMED",
            "--add-opens",
            "java.base/java.lang=ALL-UNNAMED",
            "--add-opens",
            "java.base/java.util=ALL-UNNAMED",
            "--add-opens",
            "java.naming/javax.naming.spi=ALL-UNNAMED",
            "--add-opens",
            "java.rmi/sun.rmi.transport.tcp=ALL-UNNAMED",
            "--add-exports=java.base/sun.net.www.protocol.file=ALL-UNNAMED",
            "--add-exports=java.base/sun.net.www.protocol.ftp=ALL-UNNAMED",
            "--add-exports=java.base/sun.net.www.protocol.http=ALL-UNNAMED",
            "--add-exports=java.base/sun.net.www.protocol.https=ALL-UNNAMED",
            "--add-exports=java.base/sun.net.www.protocol.jar=ALL-UNNAMED",
            "--add-exports=java.base/sun.net.www.content.text=ALL-UNNAMED",
            "--add-exports=jdk.xml.dom/org.w3c.dom.html=ALL-UNNAMED",
            "--add-exports=jdk.naming.rmi/com.sun.jndi.url.rmi=ALL-UNNAMED",
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.security.sasl/com.sun.security.sasl=ALL-UNNAMED",
            "--add-exports=java.naming/com.sun.jndi.ldap=ALL-UNNAMED",
            "-Djava.rmi.server.hostname=127.0.0.1",
            "-Xmx1g"
        };
    }
}
