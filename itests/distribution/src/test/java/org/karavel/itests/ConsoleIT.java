package org.karavel.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.stream.Collectors;
import org.apache.commons.codec.digest.Crypt;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.karavel.testkit.LoopbackDnsServer;
import org.karavel.testkit.SmtpClient;
import org.karavel.testkit.SmtpSink;
import org.karavel.testkit.TrustAll;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.xbill.DNS.Type;

/**
 * The web console of the running distribution in a real browser: Debian's chromium, headless,
 * driven through Debian's chromedriver. Mail for ok.test goes to a sink on loopback that accepts
 * it; down.test's MX is 127.0.0.3, where nothing listens, so its mail stays queued. The browser is
 * on 127.0.0.1, a trusted host, as an operator's browser at the end of an SSH tunnel is.
 */
public class ConsoleIT {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final Path SCREENSHOTS = Path.of("target/screenshots");
    private static final String SENDER = "sender@origin.test";
    private static final String ADMIN = "admin@localhost";
    private static final String ADMIN_PASSWORD = "the console admin password";
    private static Distribution karavel;
    private static LoopbackDnsServer dns;
    private static SmtpSink sink;
    private static int smtpPort;
    private static int adminPort;
    private static WebDriver browser;

    @BeforeClass
    public static void boot() throws Exception {
        dns = LoopbackDnsServer.start();
        for (String domain : List.of("ok.test", "origin.test")) {
            dns.add(domain, Type.MX, "10 mx." + domain + ".", 60);
            dns.add("mx." + domain, Type.A, "127.0.0.1", 60);
        }
        dns.add("down.test", Type.MX, "10 mx.down.test.", 60);
        dns.add("mx.down.test", Type.A, "127.0.0.3", 60);
        sink = SmtpSink.start();
        karavel = Distribution.unpack("console");
        adminPort = karavel.adminPort();
        karavel.configure(
                "org.karavel.admin.cfg", Map.of("trusted_hosts", "127.0.0.1/32", "tls", "false", "admin_users", ADMIN));
        // SHA512-CRYPT, the auth bundle's default scheme, as mta:user-add writes it
        Files.writeString(
                karavel.home().resolve("etc/karavel.passwd"),
                ADMIN + ":{SHA512-CRYPT}" + Crypt.crypt(ADMIN_PASSWORD, "$6$consoleitsalt") + "\n");
        smtpPort = KaravelContainer.freePort();
        karavel.listenersOnLoopback(smtpPort);
        karavel.configure("org.karavel.dns.cfg", Map.of("servers", dns.address()));
        // a failed attempt is retried only much later: the stuck message stays until the page bounces it
        karavel.configure(
                "org.karavel.delivery.cfg",
                Map.of(
                        "remote_port",
                        Integer.toString(sink.port()),
                        "min_backoff_seconds",
                        "300",
                        "max_backoff_seconds",
                        "3600"));
        karavel.start();
        Distribution.awaitSmtp(smtpPort);
        Poll.until("the admin API to be ready", WAIT, () -> healthStatus() == 200);
        browser = chromium();
    }

    @AfterClass
    public static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        Distribution.closeAll(karavel, sink, dns);
    }

    /** Debian's chromium through Debian's chromedriver; Selenium Manager is never asked to download anything. */
    private static WebDriver chromium() throws IOException {
        File driver = new File("/usr/bin/chromedriver");
        assertTrue("chromium-driver is installed by .ci/install-packages", driver.canExecute());
        System.setProperty("webdriver.chrome.driver", driver.getPath());
        Path profile = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "chromium-profile");
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments(
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                // the distribution's certificate is self-signed (made at first start)
                "--ignore-certificate-errors",
                "--window-size=1280,1000",
                "--user-data-dir=" + profile);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(driver)
                .usingAnyFreePort()
                .withLogFile(Path.of("target/chromedriver.log").toFile())
                .build();
        return new ChromeDriver(service, options);
    }

    @Test
    public void theConsoleShowsTheTrafficAndTheQueueAndItsActionsWorkEndToEnd() throws Exception {
        // 1. traffic: three messages delivered, one stuck for a destination that is down
        for (int i = 1; i <= 3; i++) {
            send("alice" + i + "@ok.test", "delivered " + i);
        }
        send("bob@down.test", "stuck");
        Poll.until("the sink to receive 3 messages", WAIT, () -> sink.messages().size() >= 3);

        browser.manage().logs().get(LogType.BROWSER); // what earlier pages said is not this page's
        browser.get("http://127.0.0.1:" + adminPort + "/");
        assertTrue(browser.getCurrentUrl(), browser.getCurrentUrl().contains("/console/"));
        // the page refreshes its charts every 15 s by itself
        Poll.until(
                "the dashboard to count the messages sent",
                WAIT,
                () -> {
                    WebElement totals = browser.findElement(By.id("traffic-totals"));
                    return number(totals.getAttribute("data-received")) >= 4
                            && number(totals.getAttribute("data-delivered")) >= 3
                            && number(totals.getAttribute("data-deferred")) >= 1;
                },
                () -> browser.findElement(By.id("traffic-totals")).getText());
        assertTrue(
                "the charts are drawn",
                browser.findElements(By.cssSelector("#traffic-chart canvas")).size() == 1
                        && browser.findElements(By.cssSelector("#queue-chart canvas"))
                                        .size()
                                == 1);
        assertEquals(
                "4",
                browser.findElement(By.cssSelector("#traffic-totals td[data-series=received]"))
                        .getText());
        Poll.until(
                "the queue to show the stuck message",
                WAIT,
                () -> "1".equals(browser.findElement(By.id("queue-now")).getAttribute("data-queue")));
        // the last hour: a few minutes of traffic are visible at that scale
        click("dashboard-hour");
        Poll.until(
                "the chart of the last hour",
                WAIT,
                () -> "60".equals(browser.findElement(By.id("dashboard")).getAttribute("data-minutes")));
        assertEquals("4", browser.findElement(By.id("traffic-totals")).getAttribute("data-received"));
        screenshot("dashboard");
        assertNoBrowserErrors();

        // 2. the stuck message: found by its domain, opened, bounced with a reason
        click("nav-queue");
        Poll.until(
                "down.test in the queue",
                WAIT,
                () -> !browser.findElements(By.cssSelector("#queue-domains tr[data-domain='down.test']"))
                        .isEmpty());
        browser.findElement(By.cssSelector("#queue-domains tr[data-domain='down.test'] button"))
                .click();
        Poll.until(
                "the message list for down.test",
                WAIT,
                () -> browser.findElement(By.id("queue-messages-caption"))
                        .getText()
                        .contains("down.test"));
        WebElement row = browser.findElement(By.cssSelector("#queue-messages tbody tr[data-id]"));
        String id = row.getAttribute("data-id");
        row.findElement(By.tagName("button")).click();
        Poll.until(
                "the message detail",
                WAIT,
                () -> id.equals(browser.findElement(By.id("message-detail")).getAttribute("data-id")));
        assertTrue(browser.findElement(By.id("message-recipients")).getText().contains("bob@down.test"));
        WebElement reason = browser.findElement(By.id("bounce-reason"));
        reason.clear();
        reason.sendKeys("Bounced from the console by ConsoleIT");
        screenshot("message");
        click("message-bounce");
        acceptConfirmation();
        Poll.until(
                "the page to say it bounced",
                WAIT,
                () -> browser.findElement(By.id("status")).getText().contains("Bounced " + id));
        Poll.until(
                "the DSN at the sender's MX",
                WAIT,
                () -> sink.messages().stream()
                        .anyMatch(m -> m.recipients().contains(SENDER)
                                && m.contentAsString().contains("Bounced from the console by ConsoleIT")));
        assertFalse(new AdminHttp(adminPort).get("/api/v1/queue/summary").body().contains("down.test"));
        assertTrue(karavel.log(), karavel.log().contains(id + " bounced by"));

        // 3. a user added from the page submits on 587 with AUTH
        click("nav-users");
        browser.findElement(By.id("new-user")).sendKeys("carol@localhost");
        browser.findElement(By.id("new-password")).sendKeys("a long console password");
        click("user-add");
        Poll.until(
                "carol in the user list",
                WAIT,
                () -> !browser.findElements(By.cssSelector("#users-list tr[data-user='carol@localhost']"))
                        .isEmpty());
        screenshot("users");
        Poll.until(
                "carol to submit on 587",
                WAIT,
                () -> submitAs("carol@localhost", "a long console password").startsWith("250"));
        assertNoBrowserErrors();
    }

    @Test
    public void theOtherViewsLoadWithoutErrorAndADomainIsSuspendedAndResumedFromThePage() throws Exception {
        browser.manage().logs().get(LogType.BROWSER);
        browser.get("http://127.0.0.1:" + adminPort + "/console/#/domains");
        browser.findElement(By.id("suspend-domain")).sendKeys("paused.test");
        browser.findElement(By.cssSelector("#suspend-form button")).click();
        Poll.until(
                "paused.test in the suspended list",
                WAIT,
                () -> !browser.findElements(By.cssSelector("#suspended-domains tr[data-domain='paused.test']"))
                        .isEmpty());
        assertTrue(
                new AdminHttp(adminPort).get("/api/v1/domains/suspended").body().contains("paused.test"));
        browser.findElement(By.cssSelector("#suspended-domains tr[data-domain='paused.test'] button"))
                .click();
        Poll.until(
                "paused.test resumed",
                WAIT,
                () -> browser.findElements(By.cssSelector("#suspended-domains tr[data-domain='paused.test']"))
                        .isEmpty());
        assertFalse(
                new AdminHttp(adminPort).get("/api/v1/domains/suspended").body().contains("paused.test"));

        click("nav-checks"); // opening the view runs the checks
        Poll.until(
                "the status checks' findings",
                WAIT,
                () -> !browser.findElements(By.cssSelector("#checks-findings tr[data-check]"))
                        .isEmpty());
        assertTrue(
                browser.findElement(By.id("checks-summary")).getText(),
                browser.findElement(By.id("checks-summary"))
                        .getText()
                        .matches("\\d+ errors, \\d+ warnings, \\d+ ok .*"));
        screenshot("checks");

        click("nav-dkim");
        Poll.until(
                "the DKIM view",
                WAIT,
                () -> !browser.findElements(By.cssSelector("#dkim-keys tbody tr"))
                        .isEmpty());
        assertFalse(browser.findElement(By.id("status")).getAttribute("class").contains("error"));
        screenshot("dkim");
        assertNoBrowserErrors();
    }

    @Test
    public void withTokenFileAChangeFromThePageAsksForTheTokenOnceAndThenGoesThrough() throws Exception {
        Path token = karavel.data().resolve("admin.token");
        karavel.configure("org.karavel.admin.cfg", Map.of("token_file", "${karaf.data}/admin.token"));
        try {
            Poll.until("the admin API to ask for the token", WAIT, () -> flushStatus() == 401);
            String secret = Files.readString(token).strip();
            browser.get("http://127.0.0.1:" + adminPort + "/console/#/domains");
            browser.findElement(By.id("suspend-domain")).sendKeys("tok.test");
            browser.findElement(By.cssSelector("#suspend-form button")).click();
            Poll.until(
                    "the page to ask for the token",
                    WAIT,
                    () -> browser.findElement(By.id("login")).isDisplayed()
                            && browser.findElement(By.id("login-why")).getText().contains("admin token"));
            assertFalse(new AdminHttp(adminPort)
                    .get("/api/v1/domains/suspended")
                    .body()
                    .contains("tok.test"));
            browser.findElement(By.id("login-token")).sendKeys(secret);
            click("login-submit");
            Poll.until(
                    "the domains view again",
                    WAIT,
                    () -> browser.findElement(By.id("domains")).isDisplayed());
            browser.findElement(By.id("suspend-domain")).clear();
            browser.findElement(By.id("suspend-domain")).sendKeys("tok.test");
            browser.findElement(By.cssSelector("#suspend-form button")).click();
            Poll.until(
                    "tok.test suspended with the token",
                    WAIT,
                    () -> !browser.findElements(By.cssSelector("#suspended-domains tr[data-domain='tok.test']"))
                            .isEmpty());
            browser.findElement(By.cssSelector("#suspended-domains tr[data-domain='tok.test'] button"))
                    .click();
            Poll.until(
                    "tok.test resumed",
                    WAIT,
                    () -> browser.findElements(By.cssSelector("#suspended-domains tr[data-domain='tok.test']"))
                            .isEmpty());
            click("logout");
            assertFalse("the token is never logged", karavel.log().contains(secret));
        } finally {
            karavel.configure("org.karavel.admin.cfg", Map.of("token_file", ""));
            Poll.until("changes without the token again", WAIT, () -> flushStatus() == 200);
        }
    }

    private static int flushStatus() {
        try {
            return new AdminHttp(adminPort).post("/api/v1/queue/flush", "{}").status();
        } catch (IOException e) {
            return -1;
        }
    }

    @Test
    public void aCrossSiteRequestIsRefusedAndThePageCarriesTheStrictHeaders() throws Exception {
        AdminHttp.Response page = new AdminHttp(adminPort).get("/console/");
        assertEquals(200, page.status());
        String csp = page.header("Content-Security-Policy");
        assertTrue(csp, csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
        assertEquals("nosniff", page.header("X-Content-Type-Options"));
        assertEquals("no-referrer", page.header("Referrer-Policy"));

        AdminHttp.Response forged = new AdminHttp(adminPort)
                .header("Origin", "http://attacker.example")
                .post("/api/v1/queue/flush", "{}");
        assertEquals(forged.body(), 403, forged.status());
        assertTrue(forged.body(), forged.body().contains("\"cross_site_request\""));

        // in the browser: another site's page (served on 127.0.0.2) whose form posts to the admin API
        HttpServer attacker = HttpServer.create(new InetSocketAddress("127.0.0.2", 0), 10);
        byte[] html = ("<!doctype html><form id=f method=post enctype=text/plain action=\"http://127.0.0.1:" + adminPort
                        + "/api/v1/users\"><input name='{\"user\":\"mallory@localhost\",\"password\":\"x\",\"p\":\"' "
                        + "value='\"}'><button id=go>go</button></form>")
                .getBytes(StandardCharsets.UTF_8);
        attacker.createContext("/", ex -> {
            ex.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            ex.sendResponseHeaders(200, html.length);
            ex.getResponseBody().write(html);
            ex.close();
        });
        attacker.start();
        try {
            browser.get("http://127.0.0.2:" + attacker.getAddress().getPort() + "/");
            click("go");
            Poll.until(
                    "the API's refusal in the browser",
                    WAIT,
                    () -> browser.getPageSource().contains("cross_site_request"));
        } finally {
            attacker.stop(0);
        }
        assertTrue(karavel.log(), logContains("POST /api/v1/users from [127.0.0.1] -> 403"));
        assertFalse(new AdminHttp(adminPort).get("/api/v1/users").body().contains("mallory"));
    }

    @Test
    public void overHttpsAClientThatIsNotTrustedLogsInOnThePageAndGetsStrictTransportSecurity() throws Exception {
        // nobody is trusted: the browser on 127.0.0.1 is like one on another machine
        karavel.configure("org.karavel.admin.cfg", Map.of("tls", "true", "trusted_hosts", "::1/128"));
        try {
            Poll.until("the admin API to speak HTTPS and ask for credentials", WAIT, () -> httpsStatus() == 401);
            AdminHttp.Response page = new AdminHttp(adminPort).tls(true).get("/console/");
            assertEquals(200, page.status());
            assertTrue(
                    String.valueOf(page.header("Strict-Transport-Security")),
                    page.header("Strict-Transport-Security").startsWith("max-age="));

            browser.get("https://127.0.0.1:" + adminPort + "/console/");
            Poll.until(
                    "the login form",
                    WAIT,
                    () -> browser.findElement(By.id("login")).isDisplayed());
            browser.findElement(By.id("login-user")).sendKeys(ADMIN);
            browser.findElement(By.id("login-password")).sendKeys("not the password");
            click("login-submit");
            Poll.until(
                    "the refusal on the page",
                    WAIT,
                    () -> browser.findElement(By.id("login-why")).getText().contains("wrong user name or password"));
            browser.findElement(By.id("login-user")).clear();
            browser.findElement(By.id("login-user")).sendKeys(ADMIN);
            browser.findElement(By.id("login-password")).sendKeys(ADMIN_PASSWORD);
            click("login-submit");
            Poll.until(
                    "the dashboard after the login",
                    WAIT,
                    () -> "true".equals(browser.findElement(By.id("dashboard")).getAttribute("data-loaded")));
            screenshot("https-dashboard");
            assertFalse(browser.findElement(By.id("traffic-totals"))
                    .getAttribute("data-received")
                    .isEmpty());
        } finally {
            karavel.configure("org.karavel.admin.cfg", Map.of("tls", "false", "trusted_hosts", "127.0.0.1/32"));
            Poll.until("the admin API back on plain HTTP", WAIT, () -> healthStatus() == 200);
        }
    }

    private static int httpsStatus() {
        try {
            return new AdminHttp(adminPort).tls(true).get("/health").status();
        } catch (IOException e) {
            return -1;
        }
    }

    private static void send(String rcpt, String subject) throws IOException {
        try (SmtpClient c = new SmtpClient("127.0.0.1", smtpPort)) {
            c.readReply();
            c.command("EHLO client.test");
            String reply = c.sendMail(
                    SENDER,
                    List.of(rcpt),
                    "From: " + SENDER + "\r\nTo: " + rcpt + "\r\nSubject: " + subject + "\r\n\r\nHello.\r\n");
            assertTrue(reply, reply.startsWith("250"));
        }
    }

    /** EHLO, STARTTLS, AUTH PLAIN, one message: the reply at end of data (or what went wrong). */
    private static String submitAs(String user, String password) {
        int port = Integer.parseInt(karavel.setting("org.karavel.smtp.listener-submission.cfg", "port"));
        try (SmtpClient c = new SmtpClient("127.0.0.1", port)) {
            c.readReply();
            c.command("EHLO client.test");
            c.command("STARTTLS");
            c.startTls(TrustAll.socketFactory());
            c.command("EHLO client.test");
            String auth = c.command("AUTH PLAIN "
                    + Base64.getEncoder()
                            .encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8)));
            if (!auth.startsWith("235")) {
                return auth;
            }
            String mail = c.command("MAIL FROM:<" + user + ">");
            String rcpt = c.command("RCPT TO:<dave@ok.test>");
            if (!rcpt.startsWith("250")) {
                return mail + " / " + rcpt;
            }
            c.command("DATA");
            c.send("From: " + user + "\r\nTo: dave@ok.test\r\nSubject: from carol\r\n\r\nHi.\r\n.\r\n");
            return c.readReply();
        } catch (Exception e) {
            return "error: " + e;
        }
    }

    private static int healthStatus() {
        try {
            return new AdminHttp(adminPort).get("/health").status();
        } catch (IOException e) {
            return -1;
        }
    }

    private static void click(String id) {
        browser.findElement(By.id(id)).click();
    }

    private static void acceptConfirmation() {
        Poll.until("the confirmation dialog", WAIT, () -> {
            try {
                browser.switchTo().alert().accept();
                return true;
            } catch (NoAlertPresentException e) {
                return false;
            }
        });
    }

    private static long number(String text) {
        return text == null || text.isBlank() ? -1 : Long.parseLong(text);
    }

    private static boolean logContains(String text) {
        try {
            return karavel.log().contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    /** The browser's console since the last call: no error (a script error, a refused resource, a CSP report). */
    private static void assertNoBrowserErrors() {
        List<LogEntry> entries =
                new ArrayList<>(browser.manage().logs().get(LogType.BROWSER).getAll());
        List<String> errors = entries.stream()
                .filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue())
                .map(LogEntry::toString)
                .collect(Collectors.toList());
        assertTrue("browser console: " + errors, errors.isEmpty());
    }

    private static void screenshot(String name) throws IOException {
        Files.createDirectories(SCREENSHOTS);
        byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
        Files.write(SCREENSHOTS.resolve(name + ".png"), png);
    }
}
