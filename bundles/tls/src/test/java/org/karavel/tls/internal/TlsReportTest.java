package org.karavel.tls.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;
import org.apache.james.mime4j.dom.Entity;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.dom.SingleBody;
import org.apache.james.mime4j.dom.field.ContentTypeField;
import org.apache.james.mime4j.message.DefaultMessageBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.karavel.api.address.MailAddress;
import org.karavel.api.tls.TlsFailure;
import org.karavel.api.tls.TlsOutcome;
import org.karavel.testkit.MemorySpool;
import org.karavel.testkit.TestClock;
import org.karavel.tls.internal.OutboundPki.Issued;

class TlsReportTest {
    static final List<String> POLICY =
            List.of("version: STSv1", "mode: testing", "mx: *.mail.company-y.example", "max_age: 86400");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    final TestClock clock = new TestClock(Instant.parse("2026-11-21T12:00:00Z"));

    static TlsOutcome success() {
        return new TlsOutcome(
                "sts",
                POLICY,
                List.of("*.mail.company-y.example"),
                "mx1.mail.company-y.example",
                "2001:db8:abcd:0012::1",
                "203.0.113.56",
                Optional.empty(),
                "");
    }

    static TlsOutcome failure(TlsFailure failure) {
        return new TlsOutcome(
                "sts",
                POLICY,
                List.of("*.mail.company-y.example"),
                "mx1.mail.company-y.example",
                "2001:db8:abcd:0012::1",
                "203.0.113.56",
                Optional.of(failure),
                "X509_V_ERR_CERT_HAS_EXPIRED");
    }

    TlsReportLog filledLog() {
        TlsReportLog log = new TlsReportLog(dir, clock);
        for (int i = 0; i < 5; i++) {
            log.record("Company-Y.Example", success());
        }
        log.record("company-y.example", failure(TlsFailure.CERTIFICATE_EXPIRED));
        log.record("company-y.example", failure(TlsFailure.CERTIFICATE_EXPIRED));
        log.record(
                "company-y.example",
                new TlsOutcome(
                        "no-policy-found",
                        List.of(),
                        List.of(),
                        "mx9.company-y.example",
                        "",
                        "",
                        Optional.of(TlsFailure.STARTTLS_NOT_SUPPORTED),
                        ""));
        log.record("other.example", success());
        return log;
    }

    TlsReport report(TlsReportLog log) {
        LocalDate day = LocalDate.parse("2026-11-21");
        var policies = new LinkedHashMap<TlsReportLog.Policy, TlsReportLog.Counts>();
        log.day(day).forEach((p, c) -> {
            if (p.domain().equals("company-y.example")) {
                policies.put(p, c);
            }
        });
        return new TlsReport(
                "mail.sender.test", "Sender Org", "tlsrpt@sender.test", "company-y.example", day, policies);
    }

    @Test
    void theJsonHasTheFieldsOfRfc8460Section4() throws Exception {
        JsonNode json = JSON.readTree(report(filledLog()).json());
        assertThat(json.get("organization-name").asText()).isEqualTo("Sender Org");
        assertThat(json.get("contact-info").asText()).isEqualTo("tlsrpt@sender.test");
        assertThat(json.get("date-range").get("start-datetime").asText()).isEqualTo("2026-11-21T00:00:00Z");
        assertThat(json.get("date-range").get("end-datetime").asText()).isEqualTo("2026-11-21T23:59:59Z");
        assertThat(json.get("report-id").asText()).contains("company-y.example");
        assertThat(json.get("policies")).hasSize(2);
        JsonNode none = json.get("policies").get(0);
        assertThat(none.get("policy").get("policy-type").asText()).isEqualTo("no-policy-found");
        assertThat(none.get("policy").has("policy-string")).isFalse();
        JsonNode sts = json.get("policies").get(1);
        assertThat(sts.get("policy").get("policy-type").asText()).isEqualTo("sts");
        assertThat(sts.get("policy").get("policy-domain").asText()).isEqualTo("company-y.example");
        assertThat(sts.get("policy").get("policy-string").get(1).asText()).isEqualTo("mode: testing");
        assertThat(sts.get("policy").get("mx-host").get(0).asText()).isEqualTo("*.mail.company-y.example");
        assertThat(sts.get("summary").get("total-successful-session-count").asLong())
                .isEqualTo(5);
        assertThat(sts.get("summary").get("total-failure-session-count").asLong())
                .isEqualTo(2);
        JsonNode detail = sts.get("failure-details").get(0);
        assertThat(detail.get("result-type").asText()).isEqualTo("certificate-expired");
        assertThat(detail.get("sending-mta-ip").asText()).isEqualTo("2001:db8:abcd:0012::1");
        assertThat(detail.get("receiving-ip").asText()).isEqualTo("203.0.113.56");
        assertThat(detail.get("receiving-mx-hostname").asText()).isEqualTo("mx1.mail.company-y.example");
        assertThat(detail.get("failed-session-count").asLong()).isEqualTo(2);
        assertThat(detail.get("failure-reason-code").asText()).isEqualTo("X509_V_ERR_CERT_HAS_EXPIRED");
    }

    @Test
    void theMailFollowsRfc8460Section53() throws Exception {
        TlsReport report = report(filledLog());
        String mail = new String(
                report.mail(
                        "tlsrpt@sender.test",
                        List.of("reports@company-y.example"),
                        clock.instant().atZone(ZoneOffset.UTC)),
                StandardCharsets.US_ASCII);
        assertThat(mail).doesNotContainPattern("[^\r]\n");
        String head = mail.substring(0, mail.indexOf("\r\n\r\n"));
        // header fields compared unfolded: where a long field is folded is mime4j's choice
        String unfoldedHead = head.replaceAll("\r\n[ \t]+", " ") + "\r\n";
        assertThat(unfoldedHead)
                .contains("Subject: Report Domain: company-y.example Submitter: mail.sender.test" + " Report-ID: <"
                        + report.reportId() + ">\r\n");
        assertThat(unfoldedHead).contains("Message-ID: <" + report.reportId() + ">\r\n");
        assertThat(head).contains("TLS-Report-Domain: company-y.example\r\n");
        assertThat(head).contains("TLS-Report-Submitter: mail.sender.test\r\n");
        assertThat(head).contains("MIME-Version: 1.0\r\n");
        assertThat(unfoldedHead).containsPattern("Content-Type: multipart/report; report-type=\"tlsrpt\"; boundary=\"");
        assertThat(report.fileName()).isEqualTo("mail.sender.test!company-y.example!1795219200!1795305599.json.gz");
        assertThat(mail.replaceAll("\r\n[ \t]+", " "))
                .contains("Content-Type: application/tlsrpt+gzip\r\n"
                        + "Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\""
                        + report.fileName()
                        + "\"\r\n\r\n");

        String boundary = head.replaceAll("(?s).*boundary=\"([^\"]+)\".*", "$1");
        String[] parts = mail.split("--" + boundary);
        assertThat(parts).hasSize(4);
        assertThat(parts[3]).isEqualTo("--\r\n");
        String attachment = parts[2].substring(parts[2].indexOf("\r\n\r\n") + 4).trim();
        assertThat(attachment.lines()).allMatch(line -> line.length() <= 76);
        byte[] gz = Base64.getMimeDecoder().decode(attachment);
        String json =
                new String(new GZIPInputStream(new ByteArrayInputStream(gz)).readAllBytes(), StandardCharsets.UTF_8);
        assertThat(JSON.readTree(json)).isEqualTo(JSON.readTree(report.json()));
    }

    @Test
    void theMailReadsBackWithMime4jAndOddNamesSurviveTheJson() throws Exception {
        TlsReport plain = report(filledLog());
        TlsReport report = new TlsReport(
                plain.submitter(),
                "Sender \"Org\"\t\\ \u0001 Ünïcode",
                plain.contact(),
                plain.domain(),
                plain.day(),
                plain.policies());
        assertThat(JSON.readTree(report.json()).get("organization-name").asText())
                .isEqualTo("Sender \"Org\"\t\\ \u0001 Ünïcode");

        byte[] mail = report.mail(
                "tlsrpt@sender.test",
                List.of("a@company-y.example", "b@company-y.example"),
                clock.instant().atZone(ZoneOffset.UTC));
        Message parsed = new DefaultMessageBuilder().parseMessage(new ByteArrayInputStream(mail));
        assertThat(parsed.getMimeType()).isEqualTo("multipart/report");
        assertThat(((ContentTypeField) parsed.getHeader().getField("Content-Type")).getParameter("report-type"))
                .isEqualTo("tlsrpt");
        assertThat(parsed.getSubject())
                .isEqualTo("Report Domain: company-y.example Submitter: mail.sender.test" + " Report-ID: <"
                        + report.reportId() + ">");
        assertThat(parsed.getTo()).hasSize(2);
        List<Entity> parts = ((Multipart) parsed.getBody()).getBodyParts();
        assertThat(parts).extracting(Entity::getMimeType).containsExactly("text/plain", TlsReport.MEDIA_TYPE);
        assertThat(parts.get(1).getDispositionType()).isEqualTo("attachment");
        assertThat(parts.get(1).getFilename()).isEqualTo(report.fileName());
        try (var in = new GZIPInputStream(((SingleBody) parts.get(1).getBody()).getInputStream())) {
            assertThat(JSON.readTree(in)).isEqualTo(JSON.readTree(report.json()));
        }
    }

    @Test
    void countsSurviveARestartPerUtcDay() throws Exception {
        TlsReportLog log = filledLog();
        clock.advance(Duration.ofHours(13));
        log.record("company-y.example", success());
        log.flush();
        assertThat(Files.list(dir).map(p -> p.getFileName().toString()).sorted())
                .containsExactly("2026-11-21.tlsrpt", "2026-11-22.tlsrpt");

        TlsReportLog reloaded = new TlsReportLog(dir, clock);
        assertThat(reloaded.days()).containsExactly(LocalDate.parse("2026-11-21"), LocalDate.parse("2026-11-22"));
        assertThat(JSON.readTree(report(reloaded).json()))
                .isEqualTo(JSON.readTree(report(log).json()));

        reloaded.forget(LocalDate.parse("2026-11-21"));
        assertThat(Files.exists(dir.resolve("2026-11-21.tlsrpt"))).isFalse();
    }

    @Test
    void takesTheRuaOfTheOneTlsrptRecord() {
        assertThat(TlsReport.rua(
                        List.of("v=TLSRPTv1; rua=mailto:reports@example.com,https://reporting.example.com/v1/tlsrpt")))
                .containsExactly("mailto:reports@example.com", "https://reporting.example.com/v1/tlsrpt");
        assertThat(TlsReport.rua(List.of("v=TLSRPTv1;rua=mailto:a@b.example", "v=TLSRPTv1;rua=mailto:c@d.example")))
                .isEmpty();
        assertThat(TlsReport.rua(List.of("v=spf1 -all"))).isEmpty();
    }

    @Test
    void finishedDaysGoOutByMailAndHttpsThenAreForgotten() throws Exception {
        Issued ca = OutboundPki.ca("Report CA");
        Issued host = OutboundPki.server(ca, "reports.company-y.example");
        try (PolicyServer server = new PolicyServer(OutboundPki.serverContext(host, ca.certificate()))) {
            StubResolver resolver = new StubResolver();
            resolver.txt.put(
                    "_smtp._tls.company-y.example",
                    List.of("v=TLSRPTv1; rua=mailto:tlsrpt@company-y.example," + "https://reports.company-y.example:"
                            + server.port() + "/v1/tlsrpt"));
            resolver.addresses.put("reports.company-y.example", List.of(InetAddress.getByName("127.0.0.1")));
            Path pem = Files.writeString(dir.resolve("ca.pem"), TestPki.pem(ca.certificate()));
            MemorySpool spool = new MemorySpool();
            TlsReportLog log = filledLog();
            MailAddress from = MailAddress.parse("postmaster@mail.sender.test");
            TlsReportSender sender = new TlsReportSender(
                    log,
                    resolver,
                    () -> spool,
                    new HttpsRequest(
                            OutboundTlsComponent.verifyingContext(pem.toString()), Duration.ofSeconds(5), 1024),
                    Executors.newSingleThreadExecutor(),
                    "mail.sender.test",
                    "Sender Org",
                    "postmaster@mail.sender.test",
                    from,
                    clock);

            sender.sendFinishedDays();
            assertThat(spool.committed()).as("the day is not over").isEmpty();

            clock.advance(Duration.ofDays(1));
            sender.sendFinishedDays();
            assertThat(spool.committed()).hasSize(1);
            MemorySpool.Queued mail = spool.committed().get(0);
            assertThat(mail.envelope().sender()).isEqualTo(from);
            assertThat(mail.envelope().recipients()).containsExactly(MailAddress.parse("tlsrpt@company-y.example"));
            assertThat(new String(mail.content(), StandardCharsets.US_ASCII))
                    .contains("TLS-Report-Domain: company-y.example");

            assertThat(server.postedTypes).containsExactly("application/tlsrpt+gzip");
            assertThat(server.paths).containsExactly("/v1/tlsrpt Host=reports.company-y.example:" + server.port());
            JsonNode posted = JSON.readTree(new GZIPInputStream(new ByteArrayInputStream(server.posted.get(0))));
            assertThat(posted.get("policies")
                            .get(1)
                            .get("summary")
                            .get("total-successful-session-count")
                            .asLong())
                    .isEqualTo(5);
            assertThat(log.days()).isEmpty();
            assertThat(new ArrayList<>(List.of(dir.toFile().list()))).doesNotContain("2026-11-21.tlsrpt");
        }
    }
}
