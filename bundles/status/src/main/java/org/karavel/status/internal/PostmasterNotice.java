package org.karavel.status.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import org.karavel.api.address.AddressSyntaxException;
import org.karavel.api.address.MailAddress;
import org.karavel.api.domain.MailDomains;
import org.karavel.api.queue.Envelope;
import org.karavel.api.queue.MessageDraft;
import org.karavel.api.queue.Origin;
import org.karavel.api.queue.Spool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The short mail to postmaster listing what changed, as Mail-in-a-Box sends its administrator. */
final class PostmasterNotice {
    private static final Logger LOG = LoggerFactory.getLogger(PostmasterNotice.class);
    private final Spool spool;
    private final MailDomains domains;
    private final String hostName;
    private final Clock clock;

    PostmasterNotice(Spool spool, MailDomains domains, String hostName, Clock clock) {
        this.spool = spool;
        this.domains = domains;
        this.hostName = hostName;
        this.clock = clock;
    }

    /** Queues the notice; without a spool or a local domain it is only logged. */
    void send(List<String> changes) throws IOException {
        if (spool == null || domains == null || domains.localDomains().isEmpty()) {
            LOG.info("status checks changed, no postmaster to tell (no spool or no local domain): {}", changes);
            return;
        }
        String domain = new TreeSet<>(domains.localDomains()).first();
        MailAddress to;
        try {
            to = MailAddress.parse("postmaster@" + domain);
        } catch (AddressSyntaxException e) {
            LOG.warn("status checks changed; postmaster@{} is not an address to tell: {}", domain, changes);
            return;
        }
        StringBuilder body = new StringBuilder();
        body.append("From: Karavel status checks <postmaster@").append(domain).append(">\r\n");
        body.append("To: <").append(to).append(">\r\n");
        body.append("Subject: Status checks on ")
                .append(hostName)
                .append(": ")
                .append(changes.size())
                .append(" change(s)\r\n");
        body.append("Date: ")
                .append(DateTimeFormatter.RFC_1123_DATE_TIME.format(
                        clock.instant().atZone(ZoneOffset.UTC)))
                .append("\r\n");
        body.append("Message-ID: <")
                .append(UUID.randomUUID())
                .append("@")
                .append(hostName)
                .append(">\r\n");
        body.append("Auto-Submitted: auto-generated\r\n");
        body.append(
                "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
        body.append("Since the last daily run of the status checks on ")
                .append(hostName)
                .append(":\r\n\r\n");
        for (String c : changes) {
            body.append("  ").append(c).append("\r\n");
        }
        body.append("\r\nThe whole report: mta:status-checks in the Karaf shell, or GET /api/v1/status-checks.\r\n");
        try (MessageDraft draft = spool.create()) {
            draft.write(body.toString().getBytes(StandardCharsets.UTF_8));
            draft.commit(new Envelope(
                            MailAddress.NULL_SENDER,
                            List.of(to),
                            Map.of(),
                            clock.instant(),
                            "",
                            "",
                            "local",
                            "",
                            Origin.local("status checks")))
                    .toCompletableFuture()
                    .join();
        }
    }
}
