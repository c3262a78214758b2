package org.karavel.events.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WebhookSignatureTest {
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);

    /** The vector the README's verification examples use (computed with Python's hmac module). */
    @Test
    void knownVector() {
        byte[] body = "[{\"id\":\"a\"}]".getBytes(StandardCharsets.UTF_8);
        assertThat(WebhookSignature.header(KEY, 1_700_000_000L, body))
                .isEqualTo("t=1700000000,v1=19ce96ab6929a6abc854037522e3c2d07b3d75e90fc48e6f3e91b1c095900326");
    }

    @Test
    void theTimeIsSigned() {
        byte[] body = "[]".getBytes(StandardCharsets.UTF_8);
        assertThat(WebhookSignature.hmac(KEY, 1, body)).isNotEqualTo(WebhookSignature.hmac(KEY, 2, body));
    }
}
