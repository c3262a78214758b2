package org.karavel.dkim.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.karavel.api.address.FromField;
import org.karavel.api.address.MailAddress;
import org.karavel.api.dns.Resolver;
import org.karavel.api.filter.EnvelopeView;
import org.karavel.api.filter.MessageView;
import org.karavel.api.filter.SessionView;
import org.karavel.api.filter.Verdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The check of one received message at end of data: SPF for MAIL FROM (and HELO), every DKIM
 * signature, then DMARC on both, all DNS questions running at once within the time budget. The
 * verdict carries the Authentication-Results header, the removal of forged ones, and, when the
 * operator asked for it, a refusal for a DMARC p=reject failure.
 */
public final class MessageAuthentication {
    private static final Logger LOG = LoggerFactory.getLogger(MessageAuthentication.class);
    public static final String QUARANTINE_HEADER = "X-Karavel-Quarantine";

    private final VerificationSettings settings;
    private final SpfCheck spf;
    private final DkimVerifier dkim;
    private final DmarcCheck dmarc;
    private final Executor worker;
    private final VerificationCounters counters;

    /**
     * @param worker runs the blocking parts (reading the message, signature checks); never a network thread
     * @param percentile 0..99 for DMARC pct= sampling
     */
    public MessageAuthentication(
            VerificationSettings settings,
            Resolver resolver,
            Executor worker,
            VerificationCounters counters,
            Clock clock,
            IntSupplier percentile) {
        this.settings = settings;
        this.spf = new SpfCheck(resolver);
        this.dkim = new DkimVerifier(resolver, worker, clock);
        this.dmarc = new DmarcCheck(resolver, percentile);
        this.worker = worker;
        this.counters = counters;
    }

    public VerificationSettings settings() {
        return settings;
    }

    public CompletionStage<Verdict> endOfMessage(SessionView session, EnvelopeView envelope, MessageView message) {
        List<Integer> forged = forgedResults(message);
        Verdict base = Verdict.noOpinion();
        for (int index : forged) {
            base = base.withHeaderRemoved(index);
            counters.removedHeader();
        }
        // the operator's own hosts and users are not checked, like Postfix's permit_mynetworks
        if (!settings.enabled()
                || session.authenticatedUser().isPresent()
                || Boolean.TRUE.equals(session.attributes().get(SessionView.RELAY_CLIENT))
                || !settings.listeners().contains(session.listenerName())) {
            counters.skipped();
            return base.stage();
        }
        // RFC 7489 §6.6.1: without exactly one author domain DMARC cannot be applied, so such mail is refused
        // rather than let through as dmarc=permerror (which no policy refuses)
        if (settings.strictFrom() && fromDomain(message).isEmpty()) {
            counters.result("dmarc", "permerror");
            counters.rejected();
            LOG.info("{}: not exactly one From field with one address: refused", session.sessionId());
            return Verdict.reject(
                            550, "5.7.1", "Message must have exactly one From header field with exactly one address")
                    .stage();
        }
        return check(session, envelope, message, base);
    }

    /** What the checks found, once all three are done (or their budget is spent). */
    private record Results(
            String spfDomain,
            String helo,
            SpfCheck.Outcome mailFrom,
            SpfCheck.Outcome heloIdentity,
            List<DkimResult> signatures,
            Optional<String> fromDomain,
            DmarcCheck.Lookup policy) {}

    /** SPF, DKIM and the DMARC policy lookup, started at once; the verdict once all are done. */
    private CompletionStage<Verdict> check(
            SessionView session, EnvelopeView envelope, MessageView message, Verdict removals) {
        long budget = settings.timeout().toMillis();
        InetAddress ip = session.clientAddress().getAddress();
        String helo = session.heloName().orElse("").strip().toLowerCase(Locale.ROOT);
        boolean heloIsDomain = SpfCheck.isValidDomain(helo) && !helo.startsWith("[");
        MailAddress sender = envelope.sender();

        // SPF: the MAIL FROM identity, or the HELO identity for a null sender (RFC 7208 §2.4)
        String spfDomain;
        CompletableFuture<SpfCheck.Outcome> mailFrom = null;
        if (!sender.isNullSender()) {
            spfDomain = sender.domain().toLowerCase(Locale.ROOT);
            mailFrom = sender.isAddressLiteral()
                    ? CompletableFuture.completedFuture(new SpfCheck.Outcome(SpfResult.NONE, "address literal"))
                    : budgeted(spf.check(ip, spfDomain, sender.toString(), helo), budget);
        } else {
            spfDomain = heloIsDomain ? helo : null;
        }
        CompletableFuture<SpfCheck.Outcome> heloCheck = heloIsDomain && (settings.checkHelo() || sender.isNullSender())
                ? budgeted(spf.check(ip, helo, "postmaster@" + helo, helo), budget)
                : CompletableFuture.completedFuture(null);
        CompletableFuture<List<DkimResult>> signatures = signatures(message, budget);
        // DMARC: the From domain's policy is looked up meanwhile
        Optional<String> fromDomain = fromDomain(message);
        CompletableFuture<DmarcCheck.Lookup> policy = policy(fromDomain, budget);

        CompletableFuture<SpfCheck.Outcome> mailFromCheck =
                mailFrom == null ? CompletableFuture.completedFuture(null) : mailFrom;
        return CompletableFuture.allOf(mailFromCheck, heloCheck, signatures, policy)
                .thenApply(v -> verdict(
                        session,
                        removals,
                        new Results(
                                spfDomain,
                                helo,
                                mailFromCheck.join(),
                                heloCheck.join(),
                                signatures.join(),
                                fromDomain,
                                policy.join())));
    }

    /** DKIM: the message is read on the worker (it may come from disk), never on the caller's thread. */
    private CompletableFuture<List<DkimResult>> signatures(MessageView message, long budget) {
        return CompletableFuture.supplyAsync(() -> read(message), worker)
                .thenCompose(m -> m.headerTooLarge()
                        ? CompletableFuture.completedFuture(
                                List.of(new DkimResult("permerror", "", "", "", "header too large")))
                        : dkim.verify(m))
                .exceptionally(e -> List.of(new DkimResult("temperror", "", "", "", "message not readable")))
                .completeOnTimeout(
                        List.of(new DkimResult("temperror", "", "", "", "time budget spent")),
                        budget,
                        TimeUnit.MILLISECONDS);
    }

    private CompletableFuture<DmarcCheck.Lookup> policy(Optional<String> fromDomain, long budget) {
        return fromDomain.isEmpty()
                ? CompletableFuture.completedFuture(new DmarcCheck.Lookup(Optional.empty(), false, false))
                : dmarc.lookup(fromDomain.get())
                        .toCompletableFuture()
                        .exceptionally(e -> new DmarcCheck.Lookup(Optional.empty(), false, true))
                        .completeOnTimeout(
                                new DmarcCheck.Lookup(Optional.empty(), false, true), budget, TimeUnit.MILLISECONDS);
    }

    /** The Authentication-Results field of the results, or a refusal (l= content, DMARC reject). */
    private Verdict verdict(SessionView session, Verdict removals, Results r) {
        AuthenticationResults ar = new AuthenticationResults(settings.authservId());
        addSpf(ar, r);
        addDkim(ar, r.signatures());
        Verdict verdict = removals;
        if (settings.rejectUnsignedContent() && r.signatures().stream().anyMatch(DkimResult::leavesContentUnsigned)) {
            counters.rejected();
            LOG.info(
                    "{}: a DKIM signature leaves content after its l= unsigned: refused ({})",
                    session.sessionId(),
                    ar.value());
            return Verdict.reject(550, "5.7.1", "Message has content not covered by its DKIM signature (l=)");
        }
        if (r.fromDomain().isEmpty()) {
            ar.add("dmarc", "permerror", "no single From domain");
            counters.result("dmarc", "permerror");
        } else {
            SpfCheck.Outcome mf = r.mailFrom();
            SpfCheck.Outcome he = r.heloIdentity();
            SpfResult spfForDmarc = mf != null ? mf.result() : he != null ? he.result() : SpfResult.NONE;
            DmarcCheck.Outcome dm =
                    dmarc.evaluate(r.fromDomain().get(), r.policy(), r.spfDomain(), spfForDmarc, r.signatures());
            String comment = dm.policy().isEmpty() ? null : "p=" + dm.policy() + " dis=" + dm.disposition();
            ar.add("dmarc", dm.result(), comment, "header.from", dm.fromDomain());
            counters.result("dmarc", dm.result());
            if (dm.result().equals("fail") && settings.dmarcReject()) {
                if (dm.disposition().equals("reject")) {
                    counters.rejected();
                    LOG.info(
                            "{}: DMARC policy of {} rejects the message ({})",
                            session.sessionId(),
                            dm.fromDomain(),
                            ar.value());
                    return Verdict.reject(550, "5.7.1", "Message rejected by the DMARC policy of " + dm.fromDomain());
                }
                if (dm.disposition().equals("quarantine")) {
                    verdict = verdict.withHeader(QUARANTINE_HEADER, "dmarc");
                }
            }
        }
        LOG.debug("{}: {}: {}", session.sessionId(), AuthenticationResults.NAME, ar.value());
        return verdict.withHeader(AuthenticationResults.NAME, ar.value());
    }

    private void addSpf(AuthenticationResults ar, Results r) {
        SpfCheck.Outcome mf = r.mailFrom();
        SpfCheck.Outcome he = r.heloIdentity();
        if (mf != null) {
            ar.add("spf", mf.result().label(), reason(mf), "smtp.mailfrom", r.spfDomain());
            counters.result("spf", mf.result().label());
        }
        if (he != null) {
            ar.add("spf", he.result().label(), reason(he), "smtp.helo", r.helo());
            if (mf == null) {
                counters.result("spf", he.result().label());
            }
        }
    }

    private void addDkim(AuthenticationResults ar, List<DkimResult> signatures) {
        if (signatures.isEmpty()) {
            ar.add("dkim", "none", null);
            counters.result("dkim", "none");
        }
        for (DkimResult d : signatures) {
            ar.add(
                    "dkim",
                    d.result(),
                    d.reason(),
                    "header.d",
                    d.domain(),
                    "header.s",
                    d.selector(),
                    "header.b",
                    d.shortB());
            counters.result("dkim", d.result());
        }
    }

    private static String reason(SpfCheck.Outcome o) {
        return switch (o.result()) {
            case TEMPERROR, PERMERROR -> o.reason();
            default -> null;
        };
    }

    /** Completes with temperror when the budget is spent, never later. */
    private static CompletableFuture<SpfCheck.Outcome> budgeted(CompletionStage<SpfCheck.Outcome> check, long millis) {
        return check.toCompletableFuture()
                .exceptionally(e -> new SpfCheck.Outcome(SpfResult.TEMPERROR, "error"))
                .completeOnTimeout(
                        new SpfCheck.Outcome(SpfResult.TEMPERROR, "time budget spent"), millis, TimeUnit.MILLISECONDS);
    }

    private ReceivedMessage read(MessageView message) {
        try (InputStream in = new BufferedInputStream(message.open(), 16384)) {
            return ReceivedMessage.read(in, settings.maxHeaderBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Positions of received Authentication-Results fields that claim our authserv-id (RFC 8601 §5). */
    List<Integer> forgedResults(MessageView message) {
        List<Integer> out = new ArrayList<>();
        List<org.karavel.api.filter.Verdict.Header> headers = message.headers();
        String ours = settings.authservId().toLowerCase(Locale.ROOT);
        for (int i = 0; i < headers.size(); i++) {
            if (headers.get(i).name().equalsIgnoreCase(AuthenticationResults.NAME)
                    && AuthenticationResults.authservIdOf(headers.get(i).value())
                            .equals(ours)) {
                out.add(i);
            }
        }
        return out;
    }

    /** The domain of the one author address in the one From field; empty otherwise (RFC 7489 §6.6.1). */
    static Optional<String> fromDomain(MessageView message) {
        List<String> from = message.header("From");
        if (from.size() != 1) {
            return Optional.empty();
        }
        List<String> addresses = FromField.addresses(from.get(0));
        if (addresses.size() != 1) {
            return Optional.empty();
        }
        String a = addresses.get(0);
        int at = a.lastIndexOf('@');
        if (at < 0 || at == a.length() - 1) {
            return Optional.empty();
        }
        String domain = a.substring(at + 1).toLowerCase(Locale.ROOT);
        return SpfCheck.isValidDomain(domain) ? Optional.of(domain) : Optional.empty();
    }
}
