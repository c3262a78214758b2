package org.karavel.delivery.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.karavel.api.maillog.MailLogLine;

/** The shipped rules (config/karavel.bounce-rules) on replies the largest providers really send. */
class BounceClassifierTest {
    private static final String REMOTE = "mx.provider.example[192.0.2.25]:25";
    private static final BounceClassifier SHIPPED = new BounceClassifier(null, Duration.ZERO);

    static Stream<Arguments> realReplies() {
        return Stream.of(
                // Gmail (support.google.com/a/answer/3726730)
                reply(
                        "5.1.1",
                        "550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking"
                                + " the recipient's email address for typos or unnecessary spaces. For more information,"
                                + " go to https://support.google.com/mail/?p=NoSuchUser",
                        BounceCategory.INVALID_RECIPIENT),
                reply(
                        "5.2.1",
                        "550-5.2.1 The email account that you tried to reach is disabled.",
                        BounceCategory.INVALID_RECIPIENT),
                reply(
                        "4.2.2",
                        "452-4.2.2 The recipient's inbox is out of storage space. Please direct the recipient to"
                                + " https://support.google.com/mail/?p=OverQuotaTemp",
                        BounceCategory.MAILBOX_FULL),
                reply(
                        "5.2.2",
                        "552-5.2.2 The email account that you tried to reach is over quota.",
                        BounceCategory.MAILBOX_FULL),
                reply("5.4.5", "550-5.4.5 Daily user sending limit exceeded.", BounceCategory.RATE_LIMITED),
                reply(
                        "4.2.1",
                        "450-4.2.1 The user you are trying to contact is receiving mail at a rate that prevents"
                                + " additional messages from being delivered.",
                        BounceCategory.RATE_LIMITED),
                reply(
                        "4.7.28",
                        "421-4.7.28 Our system has detected an unusual rate of unsolicited mail originating from"
                                + " your IP address.",
                        BounceCategory.SPAM_RELATED),
                reply(
                        "5.7.1",
                        "550-5.7.1 Our system has detected that this message is likely unsolicited mail.",
                        BounceCategory.SPAM_RELATED),
                reply(
                        "5.7.26",
                        "550-5.7.26 This mail is unauthenticated, which poses a security risk to the sender and"
                                + " Gmail users, and has been blocked.",
                        BounceCategory.AUTHENTICATION_FAILURE),
                reply(
                        "5.7.26",
                        "550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC"
                                + " policy.",
                        BounceCategory.AUTHENTICATION_FAILURE),
                reply(
                        "5.7.27",
                        "550-5.7.27 The sender's SPF record does not authorize this IP to send mail.",
                        BounceCategory.AUTHENTICATION_FAILURE),
                reply("5.7.0", "530-5.7.0 Must issue a STARTTLS command first.", BounceCategory.TLS_FAILURE),
                reply(
                        "5.3.4",
                        "552-5.3.4 Your message exceeded Google's message size limits.",
                        BounceCategory.MESSAGE_TOO_LARGE),
                // Outlook.com / Exchange Online (learn.microsoft.com, Exchange Online NDRs)
                reply(
                        "5.7.1",
                        "550 5.7.1 Unfortunately, messages from [192.0.2.7] weren't sent. Please contact your Internet"
                                + " service provider since part of their network is on our block list (S3150).",
                        BounceCategory.SPAM_RELATED),
                reply(
                        "5.7.708",
                        "550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP.",
                        BounceCategory.SPAM_RELATED),
                reply(
                        "5.7.606",
                        "550 5.7.606 Access denied, banned sending IP [192.0.2.7].",
                        BounceCategory.SPAM_RELATED),
                reply(
                        "5.7.509",
                        "550 5.7.509 Access denied, sending domain example.com does not pass DMARC verification"
                                + " and has a DMARC policy of reject.",
                        BounceCategory.AUTHENTICATION_FAILURE),
                reply(
                        "5.1.10",
                        "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient nobody@outlook.example not found by"
                                + " SMTP address lookup",
                        BounceCategory.INVALID_RECIPIENT),
                reply(
                        "4.7.650",
                        "451 4.7.650 The mail server [192.0.2.7] has been temporarily rate limited due to IP"
                                + " reputation.",
                        BounceCategory.RATE_LIMITED),
                reply(
                        "4.7.500",
                        "451 4.7.500 Server busy. Please try again later from [192.0.2.7].",
                        BounceCategory.RATE_LIMITED),
                reply(
                        "5.5.0",
                        "550 5.5.0 Requested action not taken: mailbox unavailable.",
                        BounceCategory.INVALID_RECIPIENT),
                // Yahoo / AOL (senders.yahooinc.com/smtp-error-codes)
                reply(
                        "4.7.0",
                        "421 4.7.0 [TSS04] Messages from 192.0.2.7 temporarily deferred due to unexpected volume"
                                + " or user complaints - 4.16.55.1",
                        BounceCategory.RATE_LIMITED),
                reply(
                        "4.7.0",
                        "421 4.7.0 [TSS09] All messages from 192.0.2.7 will be permanently deferred; Retrying"
                                + " will NOT succeed.",
                        BounceCategory.SPAM_RELATED),
                reply(
                        "5.7.1",
                        "553 5.7.1 [BL21] Connections will not be accepted from 192.0.2.7, because the ip is in"
                                + " Spamhaus's list",
                        BounceCategory.SPAM_RELATED),
                reply(
                        "5.0.0",
                        "554 delivery error: dd This user doesn't have a yahoo.com account (nobody@yahoo.com) [0]",
                        BounceCategory.INVALID_RECIPIENT),
                reply("5.7.9", "554 5.7.9 Message not accepted for policy reasons.", BounceCategory.POLICY_RELATED),
                // Postfix and generic wording
                reply(
                        "5.1.1",
                        "550 5.1.1 <bad@example.test>: Recipient address rejected: User unknown in local recipient"
                                + " table",
                        BounceCategory.INVALID_RECIPIENT),
                reply("5.3.4", "552 5.3.4 Message size exceeds fixed limit", BounceCategory.MESSAGE_TOO_LARGE),
                reply("5.7.1", "554 5.7.1 <x@other.example>: Relay access denied", BounceCategory.POLICY_RELATED),
                reply("4.2.2", "452 4.2.2 Mailbox full", BounceCategory.MAILBOX_FULL),
                reply(
                        "4.2.0",
                        "450 4.2.0 <a@example.test>: Recipient address rejected: Greylisted, see"
                                + " http://postgrey.schweikert.ch/help/example.test.html",
                        BounceCategory.POLICY_RELATED),
                // codes only, when the text says nothing the rules know
                reply("5.1.2", "550 5.1.2 bad destination", BounceCategory.BAD_DOMAIN),
                reply("5.7.23", "550 5.7.23 nope", BounceCategory.AUTHENTICATION_FAILURE),
                reply("5.7.1", "554 5.7.1 rejected", BounceCategory.POLICY_RELATED),
                reply("4.3.0", "451 4.3.0 temporary local problem", BounceCategory.OTHER));
    }

    private static Arguments reply(String status, String text, BounceCategory expected) {
        return Arguments.of(status, text, expected);
    }

    @ParameterizedTest(name = "{2}: {1}")
    @MethodSource("realReplies")
    void eachRealReplyLandsInItsCategory(String status, String reply, BounceCategory expected) {
        assertThat(SHIPPED.classify(status, reply, REMOTE)).isEqualTo(expected);
    }

    @Test
    void deliverysOwnFailuresGetTheirCategoryWithoutRules(@TempDir Path dir) throws IOException {
        // an empty rules file: no rule at all
        BounceClassifier noRules =
                new BounceClassifier(Files.writeString(dir.resolve("empty.bounce-rules"), ""), Duration.ZERO);
        String none = MailLogLine.RELAY_NONE;
        assertThat(noRules.classify(
                        "5.1.2",
                        "550 5.1.2 Host or domain name not found. Name service error for name=nx.test type=MX: Host"
                                + " not found",
                        none))
                .isEqualTo(BounceCategory.BAD_DOMAIN);
        assertThat(noRules.classify("5.1.10", "556 5.1.10 Domain does not accept mail (null MX)", none))
                .isEqualTo(BounceCategory.BAD_DOMAIN);
        assertThat(noRules.classify("4.4.1", "connect to mx[127.0.0.1]:25: Connection refused", none))
                .isEqualTo(BounceCategory.CONNECTION_FAILURE);
        assertThat(noRules.classify(
                        "4.4.2", "conversation with mx[127.0.0.1]:25 timed out while sending EHLO", "mx[127.0.0.1]:25"))
                .isEqualTo(BounceCategory.CONNECTION_FAILURE);
        assertThat(noRules.classify(
                        "4.7.5",
                        "451 4.7.5 TLS with mx[127.0.0.1]:25 failed its policy: certificate-expired",
                        "mx[127.0.0.1]:25"))
                .isEqualTo(BounceCategory.TLS_FAILURE);
        assertThat(noRules.classify(
                        "5.3.4",
                        "552 5.3.4 message size 2000 exceeds size limit 1000 of server mx[127.0.0.1]:25",
                        "mx[127.0.0.1]:25"))
                .isEqualTo(BounceCategory.MESSAGE_TOO_LARGE);
    }

    @Test
    void aRemoteReplyBehindAForcedStatusIsClassifiedByItsOwnCode() {
        // a 4xx greeting is recorded as 4.4.1, but the server said why
        assertThat(SHIPPED.classify("4.4.1", "554 5.7.1 go away", REMOTE)).isEqualTo(BounceCategory.POLICY_RELATED);
    }
}
