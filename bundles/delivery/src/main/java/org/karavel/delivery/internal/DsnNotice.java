package org.karavel.delivery.internal;

import java.time.ZoneOffset;
import java.util.List;
import org.karavel.api.maillog.MailLogLine.DsnKind;
import org.karavel.delivery.internal.DeliveryStatusNotification.Notice;
import org.karavel.delivery.internal.DeliveryStatusNotification.ReportedRecipient;
import org.karavel.delivery.internal.DeliveryStatusNotification.Returned;
import org.karavel.delivery.internal.DeliveryStatusNotification.Text;

/**
 * The first part of a delivery status notification, for people, and its subject: Postfix's wording
 * for each kind (failure, delay, success), then each recipient with the reply that decided.
 */
final class DsnNotice {
    private DsnNotice() {}

    static String subject(DsnKind kind) {
        return switch (kind) {
            case FAILED -> "Undelivered Mail Returned to Sender";
            case DELAYED -> "Delayed Mail (still being retried)";
            case DELIVERED, RELAYED -> "Successful Mail Delivery Report";
        };
    }

    static Text text(String reportingMta, Notice notice, List<ReportedRecipient> recipients, Returned returned) {
        Text t = new Text();
        t.line("This is the mail system at host " + reportingMta + ".");
        t.line("");
        switch (notice.kind()) {
            case FAILED -> {
                t.text("I'm sorry to have to inform you that your message could not be delivered to one or more"
                        + " recipients. "
                        + (returned.whole()
                                ? "Your message is attached below."
                                : "The headers of your message are attached below."));
                t.line("");
                t.text("For further assistance, please send mail to postmaster. If you do so, please include this"
                        + " problem report.");
            }
            case DELAYED -> {
                t.line("####### THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #######");
                t.line("");
                t.text("Your message could not be delivered yet to one or more recipients; delivery is still being"
                        + " retried"
                        + (notice.willRetryUntil() == null
                                ? "."
                                : " until " + DeliveryStatusNotification.date(notice.willRetryUntil(), ZoneOffset.UTC)
                                        + ".")
                        + " The headers of your message are attached below.");
            }
            case DELIVERED, RELAYED -> {
                t.text("Your message was successfully delivered to the destination(s) listed below. If the message"
                        + " was delivered to mailbox you will receive no further notifications. Otherwise you may"
                        + " still receive notifications of mail delivery errors from other systems.");
            }
        }
        if (returned.overLimit() > 0) {
            t.line("");
            t.text("Your message was larger than " + returned.overLimit()
                    + " octets (dsn_return_limit), so only its headers are returned, not the whole message you"
                    + " asked for (RET=FULL).");
        }
        t.line("");
        t.line("                   The mail system");
        t.line("");
        for (ReportedRecipient f : recipients) {
            t.text(line(f));
            if (!f.category().isEmpty() && f.action() != DsnKind.DELIVERED && f.action() != DsnKind.RELAYED) {
                // for people and for the filters of senders that read only this part
                t.line("Category: " + f.category());
            }
            t.line("");
        }
        return t;
    }

    private static String line(ReportedRecipient f) {
        StringBuilder sb = new StringBuilder(f.recipient().toPath()).append(": ");
        switch (f.action()) {
            case DELIVERED -> sb.append("delivered: ");
            case RELAYED -> sb.append("relayed to a server that sends no delivery notifications: ");
            case DELAYED -> sb.append("delivery temporarily suspended: ");
            case FAILED -> {
                if (f.expired()) {
                    sb.append("delivery time expired; last error: ");
                }
            }
        }
        if (!f.remoteHost().isEmpty() && DeliveryStatusNotification.startsWithCode(f.reply())) {
            sb.append("host ").append(f.remoteHost()).append(" said: ");
        }
        sb.append(f.reply().isEmpty() ? "no reply yet" : f.reply());
        return sb.toString();
    }
}
