package org.karavel.events.internal;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code X-Karavel-Signature} header: {@code t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>">}. The time inside the signed text lets a receiver refuse a replayed request.
 */
final class WebhookSignature {
    static final String HEADER = "X-Karavel-Signature";

    private WebhookSignature() {}

    static String header(byte[] key, long unixSeconds, byte[] body) {
        return "t=" + unixSeconds + ",v1=" + hmac(key, unixSeconds, body);
    }

    static String hmac(byte[] key, long unixSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((unixSeconds + ".").getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
