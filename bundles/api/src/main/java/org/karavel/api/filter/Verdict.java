package org.karavel.api.filter;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What a filter says at one SMTP stage. Like the results of Apache James' hooks: no opinion
 * (ask the next filter), accept (stop asking at this stage), reject (5xx) or defer (4xx).
 * At end of message any verdict may also carry headers to add to the message.
 */
public final class Verdict {
    public enum Kind {
        /** No opinion: the next filter decides. */
        NO_OPINION,
        /** Accepted: no further filter is asked at this stage (pass lists). */
        ACCEPT,
        /** Permanent refusal, a 5xx reply. */
        REJECT,
        /** Temporary refusal, a 4xx reply: the client should try again later. */
        DEFER
    }

    private static final Verdict NO_OPINION = new Verdict(Kind.NO_OPINION, 0, null, null, List.of(), List.of());
    private static final Verdict ACCEPT = new Verdict(Kind.ACCEPT, 0, null, null, List.of(), List.of());

    private final Kind kind;
    private final int code;
    private final String enhancedCode;
    private final String text;
    private final List<Header> headers;
    private final List<Integer> removedHeaders;

    private Verdict(
            Kind kind, int code, String enhancedCode, String text, List<Header> headers, List<Integer> removedHeaders) {
        this.kind = kind;
        this.code = code;
        this.enhancedCode = enhancedCode;
        this.text = text;
        this.headers = List.copyOf(headers);
        this.removedHeaders = List.copyOf(removedHeaders);
    }

    public static Verdict noOpinion() {
        return NO_OPINION;
    }

    public static Verdict accept() {
        return ACCEPT;
    }

    /**
     * A permanent refusal.
     *
     * @param code a 5xx reply code, e.g. 554
     * @param enhancedCode an RFC 3463 code starting with 5, e.g. {@code 5.7.1}
     */
    public static Verdict reject(int code, String enhancedCode, String text) {
        check(code, enhancedCode, 5);
        return new Verdict(Kind.REJECT, code, enhancedCode, Objects.requireNonNull(text, "text"), List.of(), List.of());
    }

    /**
     * A temporary refusal.
     *
     * @param code a 4xx reply code, e.g. 450 or 451
     * @param enhancedCode an RFC 3463 code starting with 4, e.g. {@code 4.7.1}
     */
    public static Verdict defer(int code, String enhancedCode, String text) {
        check(code, enhancedCode, 4);
        return new Verdict(Kind.DEFER, code, enhancedCode, Objects.requireNonNull(text, "text"), List.of(), List.of());
    }

    /** This verdict with a header to add to the message (honoured at end of message only). */
    public Verdict withHeader(String name, String value) {
        List<Header> more = new ArrayList<>(headers);
        more.add(new Header(name, value));
        return new Verdict(kind, code, enhancedCode, text, more, removedHeaders);
    }

    /**
     * This verdict with a received header field to leave out of the queued message (honoured at end
     * of message only), e.g. an {@code Authentication-Results} field that forges this server's
     * authserv-id.
     *
     * @param index the field's position in {@link MessageView#headers()}, from 0
     */
    public Verdict withHeaderRemoved(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("header index must not be negative: " + index);
        }
        List<Integer> more = new ArrayList<>(removedHeaders);
        more.add(index);
        return new Verdict(kind, code, enhancedCode, text, headers, more);
    }

    /** Wraps this verdict in a completed stage, the usual return value of a synchronous filter. */
    public CompletionStage<Verdict> stage() {
        return CompletableFuture.completedFuture(this);
    }

    public Kind kind() {
        return kind;
    }

    /** The reply code; 0 for NO_OPINION and ACCEPT. */
    public int code() {
        return code;
    }

    public String enhancedCode() {
        return enhancedCode;
    }

    public String text() {
        return text;
    }

    public List<Header> headers() {
        return headers;
    }

    /** Positions in {@link MessageView#headers()} of received fields to leave out of the message. */
    public List<Integer> removedHeaders() {
        return removedHeaders;
    }

    public boolean isFinal() {
        return kind != Kind.NO_OPINION;
    }

    @Override
    public String toString() {
        return kind == Kind.REJECT || kind == Kind.DEFER ? code + " " + enhancedCode + " " + text : kind.name();
    }

    private static void check(int code, String enhanced, int klass) {
        if (code / 100 != klass) {
            throw new IllegalArgumentException("reply code must be " + klass + "xx: " + code);
        }
        if (enhanced == null || !enhanced.matches(klass + "\\.\\d{1,3}\\.\\d{1,3}")) {
            throw new IllegalArgumentException("enhanced status code must be " + klass + ".x.y: " + enhanced);
        }
    }

    /** A header field to add to the message; the value is unfolded text without CRLF. */
    public static final class Header {
        private final String name;
        private final String value;

        public Header(String name, String value) {
            if (!Objects.requireNonNull(name, "name").matches("[!-9;-~]+")) {
                throw new IllegalArgumentException("invalid header name: " + name);
            }
            if (Objects.requireNonNull(value, "value").indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("header value may not contain CR or LF");
            }
            this.name = name;
            this.value = value;
        }

        public String name() {
            return name;
        }

        public String value() {
            return value;
        }

        @Override
        public String toString() {
            return name + ": " + value;
        }
    }
}
