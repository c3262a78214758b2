package org.karavel.dkim.internal;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.karavel.api.address.MailAddress;
import org.karavel.api.filter.MessageView;
import org.karavel.api.filter.Verdict;
import org.karavel.testkit.FilterEnvelope;
import org.karavel.testkit.FilterSession;

/** Test data: the RFC 8463 Appendix A message and keys, and simple views of a session and a message. */
final class TestMessages {
    private TestMessages() {}

    static final String ED25519_KEY = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
    static final String RSA_KEY =
            "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB";

    /** RFC 8463 Appendix A.3: one message signed with ed25519-sha256 (brisbane) and rsa-sha256 (test). */
    static final String RFC8463 = String.join(
            "\r\n",
            "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;",
            " d=football.example.com; i=@football.example.com;",
            " q=dns/txt; s=brisbane; t=1528637909; h=from : to :",
            " subject : date : message-id : from : subject : date;",
            " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;",
            " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus",
            " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==",
            "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;",
            " d=football.example.com; i=@football.example.com;",
            " q=dns/txt; s=test; t=1528637909; h=from : to : subject :",
            " date : message-id : from : subject : date;",
            " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;",
            " b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3",
            " DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz",
            " dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=",
            "From: Joe SixPack <joe@football.example.com>",
            "To: Suzie Q <suzie@shopping.example.net>",
            "Subject: Is dinner ready?",
            "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)",
            "Message-ID: <20030712040037.46341.5F8J@football.example.com>",
            "",
            "Hi.",
            "",
            "We lost the game.  Are you hungry yet?",
            "",
            "Joe.",
            "",
            "");

    static MessageView message(String raw) {
        return new RawMessage(raw);
    }

    /** A message view over raw text, as the smtp bundle gives it: unfolded headers and the whole message. */
    record RawMessage(String raw) implements MessageView {
        @Override
        public List<Verdict.Header> headers() {
            String block = raw.substring(0, Math.max(0, raw.indexOf("\r\n\r\n") + 2));
            return ReceivedMessage.fields(block).stream()
                    .map(f -> new Verdict.Header(f.name(), f.value().strip()))
                    .toList();
        }

        @Override
        public List<String> header(String name) {
            return headers().stream()
                    .filter(h -> h.name().equalsIgnoreCase(name))
                    .map(Verdict.Header::value)
                    .toList();
        }

        @Override
        public long size() {
            return raw.length();
        }

        @Override
        public InputStream open() {
            return new ByteArrayInputStream(raw.getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    static FilterSession session(String ip, String helo, String user, String listener) {
        return FilterSession.from(ip).ehlo(helo).user(user).listener(listener);
    }

    /** An envelope from this sender ("" for the null sender) to the RFC 8463 example's recipient. */
    static FilterEnvelope envelope(String sender) throws Exception {
        FilterEnvelope from = FilterEnvelope.from(sender);
        return new FilterEnvelope(from.sender(), List.of(MailAddress.parse("suzie@shopping.example.net")), Map.of());
    }
}
