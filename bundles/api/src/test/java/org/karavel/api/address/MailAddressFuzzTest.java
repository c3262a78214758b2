package org.karavel.api.address;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Coverage-guided fuzzing of address parsing: whatever the client sends after MAIL FROM: or
 * RCPT TO: reaches these parsers. The only failure allowed is {@link AddressSyntaxException};
 * whatever parses must print back to itself.
 *
 * <p>Input: the first octet's low bits choose the mode (bit 0 SMTPUTF8, bit 1 path with
 * angle brackets), the rest is the text as UTF-8. Seeds in MailAddressFuzzTestInputs/parse.
 */
class MailAddressFuzzTest {

    @FuzzTest(maxDuration = "5m")
    void parse(byte[] input) {
        if (input.length == 0) {
            return;
        }
        boolean utf8 = (input[0] & 1) != 0;
        boolean path = (input[0] & 2) != 0;
        String text = new String(Arrays.copyOfRange(input, 1, input.length), StandardCharsets.UTF_8);
        MailAddress address;
        try {
            address = path ? MailAddress.parsePath(text, true, utf8) : MailAddress.parse(text, utf8);
        } catch (AddressSyntaxException expected) {
            return;
        }
        if (address.isNullSender()) {
            assertThat(path).isTrue();
            assertThat(text).isEqualTo("<>");
            return;
        }
        if (!utf8) {
            assertThat(address.needsSmtpUtf8())
                    .as("non-ASCII accepted without SMTPUTF8: %s", text)
                    .isFalse();
        }
        assertThat(address.localPart()).isNotEmpty();
        assertThat(address.domain()).isNotEmpty();
        // format then parse gives the same address, in both syntaxes
        MailAddress again = reparse(address.toString(), false, utf8);
        assertThat(again).isEqualTo(address);
        assertThat(again.toString()).isEqualTo(address.toString());
        // a mailbox may be longer than a path may be (64 + 1 + 255 > 256): only short ones fit in <>
        if (address.toPath().getBytes(StandardCharsets.UTF_8).length <= MailAddress.MAX_PATH) {
            assertThat(reparse(address.toPath(), true, utf8)).isEqualTo(address);
        }
        assertThat(address.hashCode()).isEqualTo(again.hashCode());
    }

    private static MailAddress reparse(String text, boolean path, boolean utf8) {
        try {
            return path ? MailAddress.parsePath(text, false, utf8) : MailAddress.parse(text, utf8);
        } catch (AddressSyntaxException e) {
            throw new AssertionError("formatted address does not parse again: " + text, e);
        }
    }
}
