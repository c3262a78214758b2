package org.karavel.tls.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

/**
 * One aggregate TLS report (RFC 8460): the JSON of §4 for one policy domain and one UTC day, and
 * the mail of §5.3 that carries it gzipped ({@code multipart/report; report-type="tlsrpt"}).
 *
 * @param submitter our host name (TLS-Report-Submitter, the file name's first part)
 * @param organization the {@code organization-name}
 * @param contact the {@code contact-info}
 * @param domain the policy domain the report is about
 * @param day the UTC day covered
 * @param policies the counts of that domain's policies on that day
 */
record TlsReport(String submitter, String organization, String contact, String domain, LocalDate day,
        Map<TlsReportLog.Policy, TlsReportLog.Counts> policies) {

    static final String MEDIA_TYPE = "application/tlsrpt+gzip";

    /** A stable id: the same day and domain give the same id, so a resent report can be recognised. */
    String reportId() {
        UUID uuid = UUID.nameUUIDFromBytes((submitter + "!" + domain + "!" + day).getBytes(StandardCharsets.UTF_8));
        return day + "_" + domain + "_" + uuid + "@" + submitter;
    }

    long startEpoch() {
        return day.atStartOfDay(ZoneOffset.UTC).toEpochSecond();
    }

    long endEpoch() {
        return day.plusDays(1).atStartOfDay(ZoneOffset.UTC).toEpochSecond() - 1;
    }

    /** RFC 8460 §5.1: {@code sender "!" policy-domain "!" begin-timestamp "!" end-timestamp ".json.gz"}. */
    String fileName() {
        return submitter + "!" + domain + "!" + startEpoch() + "!" + endEpoch() + ".json.gz";
    }

    /** The report as RFC 8460 §4.4 JSON. */
    String json() {
        StringBuilder out = new StringBuilder(512);
        out.append("{\"organization-name\":").append(quote(organization))
                .append(",\"date-range\":{\"start-datetime\":").append(quote(day + "T00:00:00Z"))
                .append(",\"end-datetime\":").append(quote(day + "T23:59:59Z")).append('}')
                .append(",\"contact-info\":").append(quote(contact))
                .append(",\"report-id\":").append(quote(reportId()))
                .append(",\"policies\":[");
        List<Map.Entry<TlsReportLog.Policy, TlsReportLog.Counts>> entries = new ArrayList<>(policies.entrySet());
        entries.sort(Comparator.comparing(e -> e.getKey().type() + e.getKey().strings()));
        for (int i = 0; i < entries.size(); i++) {
            TlsReportLog.Policy policy = entries.get(i).getKey();
            TlsReportLog.Counts counts = entries.get(i).getValue();
            out.append(i == 0 ? "" : ",").append("{\"policy\":{\"policy-type\":").append(quote(policy.type()));
            if (!policy.strings().isEmpty()) {
                out.append(",\"policy-string\":").append(array(policy.strings()));
            }
            out.append(",\"policy-domain\":").append(quote(policy.domain()));
            if (!policy.mxPatterns().isEmpty()) {
                out.append(",\"mx-host\":").append(array(policy.mxPatterns()));
            }
            out.append("},\"summary\":{\"total-successful-session-count\":").append(counts.successes.get())
                    .append(",\"total-failure-session-count\":").append(counts.failureTotal()).append('}');
            if (!counts.failures.isEmpty()) {
                out.append(",\"failure-details\":[");
                boolean first = true;
                for (Map.Entry<TlsReportLog.FailureKey, java.util.concurrent.atomic.AtomicLong> f
                        : counts.failures.entrySet()) {
                    TlsReportLog.FailureKey k = f.getKey();
                    out.append(first ? "" : ",").append("{\"result-type\":").append(quote(k.failure().resultType()));
                    first = false;
                    if (!k.sendingIp().isEmpty()) {
                        out.append(",\"sending-mta-ip\":").append(quote(k.sendingIp()));
                    }
                    if (!k.receivingIp().isEmpty()) {
                        out.append(",\"receiving-ip\":").append(quote(k.receivingIp()));
                    }
                    if (!k.mxHost().isEmpty()) {
                        out.append(",\"receiving-mx-hostname\":").append(quote(k.mxHost()));
                    }
                    out.append(",\"failed-session-count\":").append(f.getValue().get());
                    if (!k.reason().isEmpty()) {
                        out.append(",\"failure-reason-code\":").append(quote(k.reason()));
                    }
                    out.append('}');
                }
                out.append(']');
            }
            out.append('}');
        }
        return out.append("]}").toString();
    }

    byte[] gzip() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
            gzip.write(json().getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * The report mail of RFC 8460 §5.3 (CRLF line ends): Subject {@code Report Domain: ...
     * Submitter: ... Report-ID: <...>}, TLS-Report-Domain and TLS-Report-Submitter header fields, a
     * multipart/report with a short text part and the gzipped JSON as an attachment.
     */
    byte[] mail(String from, List<String> to, ZonedDateTime now) {
        String boundary = "tlsrpt-" + UUID.randomUUID();
        String id = reportId();
        StringBuilder m = new StringBuilder(4096);
        m.append("From: ").append(from).append("\r\n")
                .append("To: ").append(String.join(", ", to)).append("\r\n")
                .append("Date: ").append(DateTimeFormatter.RFC_1123_DATE_TIME.withLocale(Locale.ROOT).format(now))
                .append("\r\n")
                .append("Subject: Report Domain: ").append(domain).append("\r\n")
                .append("    Submitter: ").append(submitter).append("\r\n")
                .append("    Report-ID: <").append(id).append(">\r\n")
                .append("Message-ID: <").append(id).append(">\r\n")
                .append("TLS-Report-Domain: ").append(domain).append("\r\n")
                .append("TLS-Report-Submitter: ").append(submitter).append("\r\n")
                .append("MIME-Version: 1.0\r\n")
                .append("Content-Type: multipart/report; report-type=\"tlsrpt\";\r\n")
                .append("    boundary=\"").append(boundary).append("\"\r\n")
                .append("\r\n")
                .append("This is a multipart message in MIME format.\r\n")
                .append("\r\n")
                .append("--").append(boundary).append("\r\n")
                .append("Content-Type: text/plain; charset=\"us-ascii\"\r\n")
                .append("Content-Transfer-Encoding: 7bit\r\n")
                .append("\r\n")
                .append("This is an aggregate TLS report from ").append(submitter).append(" for ").append(domain)
                .append(" on ").append(day).append(" (UTC).\r\n")
                .append("\r\n")
                .append("--").append(boundary).append("\r\n")
                .append("Content-Type: ").append(MEDIA_TYPE).append("\r\n")
                .append("Content-Transfer-Encoding: base64\r\n")
                .append("Content-Disposition: attachment;\r\n")
                .append("    filename=\"").append(fileName()).append("\"\r\n")
                .append("\r\n")
                .append(Base64.getMimeEncoder(76, "\r\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(gzip()))
                .append("\r\n")
                .append("--").append(boundary).append("--\r\n");
        return m.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** The {@code rua} URIs of the one {@code v=TLSRPTv1} record of {@code _smtp._tls.<domain>} (RFC 8460 §3), or none. */
    static List<String> rua(List<String> txtRecords) {
        List<String> records = txtRecords.stream()
                .filter(r -> r.startsWith("v=TLSRPTv1;") || r.equals("v=TLSRPTv1")).toList();
        if (records.size() != 1) {
            return List.of();
        }
        for (String field : records.get(0).split(";")) {
            String f = field.strip();
            int eq = f.indexOf('=');
            if (eq > 0 && f.substring(0, eq).strip().equals("rua")) {
                List<String> out = new ArrayList<>();
                for (String uri : f.substring(eq + 1).split(",")) {
                    String u = uri.strip();
                    if (u.startsWith("mailto:") || u.startsWith("https://")) {
                        out.add(u);
                    }
                }
                return out;
            }
        }
        return List.of();
    }

    static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    private static String array(List<String> values) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < values.size(); i++) {
            out.append(i == 0 ? "" : ",").append(quote(values.get(i)));
        }
        return out.append(']').toString();
    }
}
