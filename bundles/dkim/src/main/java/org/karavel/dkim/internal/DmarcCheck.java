package org.karavel.dkim.internal;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.IntSupplier;
import org.karavel.api.dns.Resolver;

/**
 * DMARC evaluation (RFC 7489 §6.6): the policy record of the From domain (or of its organisational
 * domain), then pass when an SPF pass or a DKIM pass is aligned with the From domain, then the
 * disposition the policy asks for, with sp= for subdomains and pct= sampling.
 */
public final class DmarcCheck {
    private final Resolver resolver;
    private final IntSupplier percentile;

    /** @param percentile gives 0..99 for pct= sampling (random in service, fixed in tests) */
    public DmarcCheck(Resolver resolver, IntSupplier percentile) {
        this.resolver = resolver;
        this.percentile = percentile;
    }

    /** The record in force for a From domain: looked up, not found, or temporarily unknown. */
    public record Lookup(Optional<DmarcRecord> record, boolean fromOrganizationalDomain, boolean temporaryError) {}

    /**
     * The evaluation.
     *
     * @param result pass, fail, none, temperror or permerror
     * @param policy the p= (or sp=) in force, {@code ""} without a record
     * @param disposition none, quarantine or reject: what the policy asks for this message
     */
    public record Outcome(String result, String fromDomain, String policy, String disposition) {}

    /** Looks up the policy of a From domain: {@code _dmarc.<domain>}, else {@code _dmarc.<organisational domain>}. */
    public CompletionStage<Lookup> lookup(String fromDomain) {
        String org = OrganizationalDomain.of(fromDomain);
        return records("_dmarc." + fromDomain).thenCompose(first -> {
            if (first.temporaryError() || first.record().isPresent() || org.equalsIgnoreCase(fromDomain)) {
                return CompletableFuture.completedFuture(first);
            }
            return records("_dmarc." + org).thenApply(l -> new Lookup(l.record(), true, l.temporaryError()));
        });
    }

    private CompletionStage<Lookup> records(String name) {
        return resolver.txt(name).handle((txts, error) -> {
            if (error != null) {
                return new Lookup(Optional.empty(), false, !Dns.isNoSuchDomain(error));
            }
            List<DmarcRecord> found = txts.stream()
                    .filter(t -> t.regionMatches(true, 0, "v=DMARC1", 0, 8))
                    .map(DmarcRecord::parse)
                    .flatMap(Optional::stream)
                    .toList();
            // §6.6.3: more than one record means no DMARC for the name
            return new Lookup(found.size() == 1 ? Optional.of(found.get(0)) : Optional.empty(), false, false);
        });
    }

    /**
     * Evaluates the message.
     *
     * @param spfDomain the domain SPF checked (MAIL FROM domain, or HELO name for a null sender)
     * @param spf the SPF result for that domain
     * @param dkim the DKIM results
     */
    public Outcome evaluate(String fromDomain, Lookup lookup, String spfDomain, SpfResult spf, List<DkimResult> dkim) {
        if (lookup.temporaryError()) {
            return new Outcome("temperror", fromDomain, "", "none");
        }
        if (lookup.record().isEmpty()) {
            return new Outcome("none", fromDomain, "", "none");
        }
        DmarcRecord r = lookup.record().get();
        boolean spfAligned = spf == SpfResult.PASS
                && spfDomain != null
                && OrganizationalDomain.aligned(spfDomain, fromDomain, r.strictSpf());
        boolean dkimAligned = dkim.stream()
                .anyMatch(d -> d.isPass() && OrganizationalDomain.aligned(d.domain(), fromDomain, r.strictDkim()));
        String policy = lookup.fromOrganizationalDomain() ? r.subdomainPolicy().orElse(r.policy()) : r.policy();
        if (spfAligned || dkimAligned) {
            return new Outcome("pass", fromDomain, policy, "none");
        }
        String disposition = policy;
        if (r.percent() < 100 && percentile.getAsInt() >= r.percent()) {
            // §6.6.4: outside the sample, the next less strict policy applies
            disposition = policy.equals("reject") ? "quarantine" : "none";
        }
        return new Outcome("fail", fromDomain, policy, disposition);
    }
}
