package org.karavel.tls.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;
import org.apache.james.mime4j.dom.Body;
import org.apache.james.mime4j.dom.Message;
import org.apache.james.mime4j.dom.Multipart;
import org.apache.james.mime4j.field.Fields;
import org.apache.james.mime4j.message.BasicBodyFactory;
import org.apache.james.mime4j.message.BodyPartBuilder;
import org.apache.james.mime4j.message.DefaultMessageWriter;
import org.apache.james.mime4j.message.MultipartBuilder;
import org.apache.james.mime4j.stream.NameValuePair;
import org.apache.james.mime4j.stream.RawField;
import org.apache.james.mime4j.util.MimeUtil;

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
record TlsReport(
        String submitter,
        String organization,
        String contact,
        String domain,
        LocalDate day,
        Map<TlsReportLog.Policy, TlsReportLog.Counts> policies) {

    static final String MEDIA_TYPE = "application/tlsrpt+gzip";
    /** Thread-safe once configured; Jackson escapes what JSON strings need escaped. */
    private static final JsonFactory JSON = new JsonFactory();

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
        StringWriter text = new StringWriter(512);
        try (JsonGenerator out = JSON.createGenerator(text)) {
            out.writeStartObject();
            out.writeStringField("organization-name", organization);
            out.writeObjectFieldStart("date-range");
            out.writeStringField("start-datetime", day + "T00:00:00Z");
            out.writeStringField("end-datetime", day + "T23:59:59Z");
            out.writeEndObject();
            out.writeStringField("contact-info", contact);
            out.writeStringField("report-id", reportId());
            out.writeArrayFieldStart("policies");
            List<Map.Entry<TlsReportLog.Policy, TlsReportLog.Counts>> entries = new ArrayList<>(policies.entrySet());
            entries.sort(
                    Comparator.comparing(e -> e.getKey().type() + e.getKey().strings()));
            for (Map.Entry<TlsReportLog.Policy, TlsReportLog.Counts> entry : entries) {
                writePolicy(out, entry.getKey(), entry.getValue());
            }
            out.writeEndArray();
            out.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return text.toString();
    }

    private static void writePolicy(JsonGenerator out, TlsReportLog.Policy policy, TlsReportLog.Counts counts)
            throws IOException {
        out.writeStartObject();
        out.writeObjectFieldStart("policy");
        out.writeStringField("policy-type", policy.type());
        if (!policy.strings().isEmpty()) {
            writeStrings(out, "policy-string", policy.strings());
        }
        out.writeStringField("policy-domain", policy.domain());
        if (!policy.mxPatterns().isEmpty()) {
            writeStrings(out, "mx-host", policy.mxPatterns());
        }
        out.writeEndObject();
        out.writeObjectFieldStart("summary");
        out.writeNumberField("total-successful-session-count", counts.successes.get());
        out.writeNumberField("total-failure-session-count", counts.failureTotal());
        out.writeEndObject();
        if (!counts.failures.isEmpty()) {
            out.writeArrayFieldStart("failure-details");
            for (Map.Entry<TlsReportLog.FailureKey, AtomicLong> f : counts.failures.entrySet()) {
                TlsReportLog.FailureKey k = f.getKey();
                out.writeStartObject();
                out.writeStringField("result-type", k.failure().resultType());
                writeUnlessEmpty(out, "sending-mta-ip", k.sendingIp());
                writeUnlessEmpty(out, "receiving-ip", k.receivingIp());
                writeUnlessEmpty(out, "receiving-mx-hostname", k.mxHost());
                out.writeNumberField("failed-session-count", f.getValue().get());
                writeUnlessEmpty(out, "failure-reason-code", k.reason());
                out.writeEndObject();
            }
            out.writeEndArray();
        }
        out.writeEndObject();
    }

    private static void writeStrings(JsonGenerator out, String name, List<String> values) throws IOException {
        out.writeArrayFieldStart(name);
        for (String v : values) {
            out.writeString(v);
        }
        out.writeEndArray();
    }

    /** RFC 8460 §4.4 leaves out the optional fields we do not know rather than sending them empty. */
    private static void writeUnlessEmpty(JsonGenerator out, String name, String value) throws IOException {
        if (!value.isEmpty()) {
            out.writeStringField(name, value);
        }
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
     * multipart/report with a short text part and the gzipped JSON as an attachment. mime4j writes
     * it: folding, boundary and the base64 lines of 76 characters.
     */
    byte[] mail(String from, List<String> to, ZonedDateTime now) {
        String id = reportId();
        BodyPartBuilder text = BodyPartBuilder.create()
                .setBody((Body) BasicBodyFactory.INSTANCE.binaryBody(("This is an aggregate TLS report from "
                                + submitter + " for " + domain + " on " + day + " (UTC).\r\n")
                        .getBytes(StandardCharsets.UTF_8)))
                .setContentType("text/plain", new NameValuePair("charset", "us-ascii"))
                .setContentTransferEncoding("7bit");
        BodyPartBuilder attachment = BodyPartBuilder.create()
                .setBody((Body) BasicBodyFactory.INSTANCE.binaryBody(gzip()))
                .setContentType(MEDIA_TYPE)
                .setContentTransferEncoding("base64")
                // quoted as in RFC 8460's example; mime4j would leave a token such as this name unquoted
                .setField(new RawField("Content-Disposition", "attachment; filename=\"" + fileName() + "\""));
        Multipart report = MultipartBuilder.create("report")
                .setPreamble("This is a multipart message in MIME format.\r\n")
                .addBodyPart(text)
                .addBodyPart(attachment)
                .build();
        Message mail = Message.Builder.of()
                .setField(new RawField("From", from))
                .setField(new RawField("To", String.join(", ", to)))
                .setField(new RawField(
                        "Date",
                        DateTimeFormatter.RFC_1123_DATE_TIME
                                .withLocale(Locale.ROOT)
                                .format(now)))
                .setField(new RawField(
                        "Subject",
                        "Report Domain: " + domain + " Submitter: " + submitter + " Report-ID: <" + id + ">"))
                .setField(new RawField("Message-ID", "<" + id + ">"))
                .setField(new RawField("TLS-Report-Domain", domain))
                .setField(new RawField("TLS-Report-Submitter", submitter))
                .setField(new RawField("MIME-Version", "1.0"))
                .setBody(report)
                // report-type quoted as in RFC 8460 §5.3; the boundary is mime4j's
                .setField(Fields.contentType("multipart/report; report-type=\"tlsrpt\"; boundary=\""
                        + MimeUtil.createUniqueBoundary() + "\""))
                .build();
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try {
            new DefaultMessageWriter().writeMessage(mail, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    /** The {@code rua} URIs of the one {@code v=TLSRPTv1} record of {@code _smtp._tls.<domain>} (RFC 8460 §3), or none. */
    static List<String> rua(List<String> txtRecords) {
        List<String> records = txtRecords.stream()
                .filter(r -> r.startsWith("v=TLSRPTv1;") || r.equals("v=TLSRPTv1"))
                .toList();
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
}
