package org.karavel.admin.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.Inet6Address;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.karavel.api.address.AddressSyntaxException;
import org.karavel.api.address.MailAddress;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.MessageDraft;
import org.karavel.api.queue.Origin;
import org.karavel.api.queue.QueuedMessage;
import org.karavel.api.queue.Spool;
import org.karavel.api.queue.SpoolFullException;

/**
 * {@code POST /api/v1/messages}: a message handed in over HTTP, either as RFC 5322 text or as a
 * sender, recipients, subject and text from which a plain-text message is made. It is queued like
 * mail received over SMTP: a Received header on top, the content with CRLF line ends, and the
 * answer only once the spool says it is on disk.
 */
final class MessageInjection {
    static final int MAX_RECIPIENTS = 1000;
    static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ENGLISH);
    private static final Pattern FIELD_NAME = Pattern.compile("[!-9;-~]+");
    private static final long COMMIT_SECONDS = 60;

    private final String hostname;
    private final Supplier<ZonedDateTime> clock;
    private final MailLog mailLog;

    MessageInjection(String hostname, Supplier<ZonedDateTime> clock, MailLog mailLog) {
        this.hostname = hostname;
        this.clock = clock;
        this.mailLog = mailLog;
    }

    /** The name in Received and Message-ID fields and in From of a null sender's message. */
    String hostname() {
        return hostname;
    }

    /** Queues the message described by the JSON body; the result is durable. */
    QueuedMessage inject(Spool spool, JsonNode json, AdminRequest request) {
        if (json == null || !json.isObject()) {
            throw ApiError.badRequest("the body must be a JSON object");
        }
        MailAddress sender = sender(json.get("from"));
        List<MailAddress> recipients = recipients(json.get("to"));
        ZonedDateTime now = clock.get();
        String content;
        if (json.hasNonNull("content")) {
            if (json.has("subject") || json.has("text")) {
                throw ApiError.badRequest("give either content, or subject and text, not both");
            }
            content = completed(crlf(text(json, "content")), now);
        } else if (json.hasNonNull("text") || json.hasNonNull("subject")) {
            content = composed(
                    sender,
                    recipients,
                    json.hasNonNull("subject") ? text(json, "subject") : "",
                    json.hasNonNull("text") ? text(json, "text") : "",
                    now);
        } else {
            throw ApiError.badRequest("content, or subject and text, is required");
        }
        byte[] octets = content.getBytes(StandardCharsets.UTF_8);
        Map<String, String> parameters = new LinkedHashMap<>();
        if (sender.needsSmtpUtf8() || recipients.stream().anyMatch(MailAddress::needsSmtpUtf8)) {
            parameters.put("SMTPUTF8", "");
        }
        parameters.put("BODY", octets.length == content.length() ? "7BIT" : "8BITMIME");

        Envelope envelope = new Envelope(
                sender,
                recipients,
                parameters,
                now.toInstant(),
                request.clientIp(),
                "",
                "admin",
                request.user(),
                Origin.adminApi(request.user()));
        MessageDraft draft;
        try {
            draft = spool.create();
        } catch (SpoolFullException e) {
            throw new ApiError(
                    503, "spool_full", "the spool has no room now: " + e.getMessage(), Map.of("Retry-After", "60"));
        } catch (IOException e) {
            throw new ApiError(500, "spool_error", "cannot create a queue file: " + e.getMessage());
        }
        QueuedMessage queued;
        try {
            draft.write(received(draft, request, recipients, now).getBytes(StandardCharsets.US_ASCII));
            draft.write(octets);
            queued = draft.commit(envelope).toCompletableFuture().get(COMMIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            draft.abort();
            throw new ApiError(503, "interrupted", "the server is stopping");
        } catch (IOException | ExecutionException | TimeoutException | RuntimeException e) {
            draft.abort();
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof SpoolFullException) {
                throw new ApiError(
                        503,
                        "spool_full",
                        "the spool has no room now: " + cause.getMessage(),
                        Map.of("Retry-After", "60"));
            }
            throw new ApiError(500, "spool_error", "the message could not be queued: " + cause);
        }
        mailLog.received(queued.id(), sender, draft.size(), recipients.size(), request.clientIp(), request.user());
        mailLog.events().received(queued.id(), envelope);
        return queued;
    }

    private static MailAddress sender(JsonNode node) {
        if (node == null || !node.isTextual()) {
            throw ApiError.badRequest("from is required: the sender address, or \"<>\" for none");
        }
        String text = node.asText().strip();
        try {
            return text.startsWith("<") ? MailAddress.parsePath(text, true, true) : MailAddress.parse(text);
        } catch (AddressSyntaxException e) {
            throw ApiError.badRequest("from: " + e.getMessage());
        }
    }

    private static List<MailAddress> recipients(JsonNode node) {
        List<String> texts = new ArrayList<>();
        if (node != null && node.isTextual()) {
            texts.add(node.asText());
        } else if (node != null && node.isArray()) {
            for (JsonNode n : node) {
                if (!n.isTextual()) {
                    throw ApiError.badRequest("to: every recipient must be a string");
                }
                texts.add(n.asText());
            }
        }
        if (texts.isEmpty()) {
            throw ApiError.badRequest("to is required: a list of at least one recipient address");
        }
        if (texts.size() > MAX_RECIPIENTS) {
            throw ApiError.badRequest("to: at most " + MAX_RECIPIENTS + " recipients");
        }
        List<MailAddress> out = new ArrayList<>();
        for (String t : texts) {
            try {
                String s = t.strip();
                out.add(s.startsWith("<") ? MailAddress.parsePath(s, false, true) : MailAddress.parse(s));
            } catch (AddressSyntaxException e) {
                throw ApiError.badRequest("to: " + t + ": " + e.getMessage());
            }
        }
        return out;
    }

    private static String text(JsonNode json, String field) {
        JsonNode n = json.get(field);
        if (!n.isTextual()) {
            throw ApiError.badRequest(field + " must be a string");
        }
        return n.asText();
    }

    /** Every line end as CRLF (bare CR and bare LF too, never a second meaning), ending with one. */
    static String crlf(String text) {
        String t = text.replaceAll("\r\n|\r|\n", "\r\n");
        if (t.isEmpty()) {
            throw ApiError.badRequest("content is empty");
        }
        return t.endsWith("\r\n") ? t : t + "\r\n";
    }

    /**
     * RFC 5322 content as given, checked to start with header fields, with Date and Message-ID added
     * when missing (as Postfix's cleanup does for locally submitted mail).
     */
    String completed(String content, ZonedDateTime now) {
        int end = content.indexOf("\r\n\r\n");
        String header = end < 0 ? content : content.substring(0, end + 2);
        boolean date = false;
        boolean messageId = false;
        for (String line : header.split("\r\n")) {
            if (line.isEmpty() || line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0 || !FIELD_NAME.matcher(line.substring(0, colon)).matches()) {
                throw ApiError.badRequest(
                        "content must start with header fields (Name: value); line: " + abbreviated(line));
            }
            String name = line.substring(0, colon).toLowerCase(Locale.ROOT);
            date |= name.equals("date");
            messageId |= name.equals("message-id");
        }
        StringBuilder added = new StringBuilder();
        if (!date) {
            added.append("Date: ").append(DATE.format(now)).append("\r\n");
        }
        if (!messageId) {
            added.append("Message-ID: ").append(messageId()).append("\r\n");
        }
        return added + content;
    }

    /** A plain-text message: Date, Message-ID, From, To, Subject, MIME headers, then the text. */
    String composed(MailAddress from, List<MailAddress> to, String subject, String text, ZonedDateTime now) {
        if (subject.indexOf('\r') >= 0 || subject.indexOf('\n') >= 0) {
            throw ApiError.badRequest("subject must be one line");
        }
        String body = text.isEmpty() ? "" : crlf(text);
        boolean ascii = body.chars().allMatch(c -> c < 128);
        StringBuilder sb = new StringBuilder(body.length() + 512);
        sb.append("Date: ").append(DATE.format(now)).append("\r\n");
        sb.append("Message-ID: ").append(messageId()).append("\r\n");
        sb.append("From: ")
                .append(from.isNullSender() ? "MAILER-DAEMON@" + hostname : from.toString())
                .append("\r\n");
        sb.append("To: ");
        for (int i = 0; i < to.size(); i++) {
            sb.append(i == 0 ? "" : ",\r\n ").append(to.get(i));
        }
        sb.append("\r\n");
        sb.append("Subject: ").append(encodedWord(subject)).append("\r\n");
        sb.append("MIME-Version: 1.0\r\n");
        sb.append("Content-Type: text/plain; charset=")
                .append(ascii ? "us-ascii" : "utf-8")
                .append("\r\n");
        sb.append("Content-Transfer-Encoding: ").append(ascii ? "7bit" : "8bit").append("\r\n");
        sb.append("\r\n").append(body);
        return sb.toString();
    }

    /** The subject as is when ASCII, else as RFC 2047 base64 encoded-words of at most 75 characters each. */
    static String encodedWord(String subject) {
        if (subject.chars().allMatch(c -> c >= 32 && c < 127)) {
            return subject;
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < subject.length()) {
            // 45 octets of UTF-8 become 60 base64 characters: with =?utf-8?B? and ?= that is 72
            int j = i;
            int octets = 0;
            while (j < subject.length()) {
                int cp = subject.codePointAt(j);
                int n = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
                if (octets + n > 45) {
                    break;
                }
                octets += n;
                j += Character.charCount(cp);
            }
            out.append(out.length() == 0 ? "" : "\r\n ")
                    .append("=?utf-8?B?")
                    .append(Base64.getEncoder()
                            .encodeToString(subject.substring(i, j).getBytes(StandardCharsets.UTF_8)))
                    .append("?=");
            i = j;
        }
        return out.toString();
    }

    String messageId() {
        return "<" + UUID.randomUUID().toString().replace("-", "") + "@" + hostname + ">";
    }

    /** The trace field: who handed the message in (the client address, never the admin's name). */
    String received(MessageDraft draft, AdminRequest request, List<MailAddress> recipients, ZonedDateTime now) {
        String client = request.client() instanceof Inet6Address ? "IPv6:" + request.clientIp() : request.clientIp();
        StringBuilder sb = new StringBuilder(200);
        sb.append("Received: from admin-api ([")
                .append(client)
                .append("])\r\n")
                .append("\tby ")
                .append(hostname)
                .append(" (Karavel admin API) with ")
                .append(request.https() ? "HTTPS" : "HTTP")
                .append(" id ")
                .append(draft.id().value());
        if (recipients.size() == 1 && !recipients.get(0).needsSmtpUtf8()) {
            sb.append("\r\n\tfor ").append(recipients.get(0).toPath());
        }
        sb.append("; ").append(DATE.format(now)).append("\r\n");
        return sb.toString();
    }

    private static String abbreviated(String line) {
        return line.length() > 60 ? line.substring(0, 60) + "..." : line;
    }
}
