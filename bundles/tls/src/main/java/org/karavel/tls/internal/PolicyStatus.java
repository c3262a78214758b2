package org.karavel.tls.internal;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.karavel.api.dns.Resolver;
import org.karavel.api.status.Finding;

/**
 * Status check {@code tls.mta-sts}: a domain that announces MTA-STS serves a policy that senders can
 * fetch (verified HTTPS at mta-sts.&lt;domain&gt;, the same fetch outbound delivery uses) and that lists
 * this server. A domain without the TXT record gets no finding here ({@code dns.mta-sts} says so).
 */
final class PolicyStatus {
    static final String NAME = "tls.mta-sts";
    private final Resolver resolver;
    private final MtaSts.PolicyFetch fetch;
    private final Executor executor;

    PolicyStatus(Resolver resolver, MtaSts.PolicyFetch fetch, Executor executor) {
        this.resolver = resolver;
        this.fetch = fetch;
        this.executor = executor;
    }

    CompletionStage<List<Finding>> check(String domain, String hostName) {
        return resolver.txt("_mta-sts." + domain)
                .exceptionally(e -> List.of())
                .thenCompose(records -> MtaSts.stsId(records).isEmpty()
                        ? CompletableFuture.completedFuture(List.of())
                        : CompletableFuture.supplyAsync(() -> List.of(fetchAndJudge(domain, hostName)), executor));
    }

    private Finding fetchAndJudge(String domain, String hostName) {
        String url = "https://mta-sts." + domain + "/.well-known/mta-sts.txt";
        StsPolicy policy;
        try {
            policy = StsPolicy.parse(fetch.fetch(domain));
        } catch (StsPolicy.Invalid e) {
            return Finding.error(
                    NAME,
                    domain,
                    "The policy at " + url + " is not valid: " + e.getMessage(),
                    "Serve version: STSv1, mode, mx and max_age lines (mta:dns-records prints the file)");
        } catch (Exception e) {
            return Finding.error(
                    NAME,
                    domain,
                    "The policy at " + url + " cannot be fetched: " + e.getMessage(),
                    "Serve it over HTTPS with a certificate for mta-sts." + domain + " from a public CA");
        }
        return judge(domain, hostName, policy);
    }

    static Finding judge(String domain, String hostName, StsPolicy policy) {
        if (policy.mode().equals("none")) {
            return Finding.warning(
                    NAME,
                    domain,
                    "The MTA-STS policy has mode: none (it is being withdrawn)",
                    "Serve mode: testing or enforce, or remove the _mta-sts record");
        }
        boolean listed = policy.mxPatterns().stream().anyMatch(p -> StsPolicy.mxMatches(p, hostName));
        if (!listed) {
            return Finding.error(
                    NAME,
                    domain,
                    "The MTA-STS policy lists mx " + String.join(", ", policy.mxPatterns()) + " but not " + hostName
                            + ": senders that enforce it will not deliver here",
                    "Add \"mx: " + hostName + "\" to the policy and change the id of the _mta-sts record");
        }
        if (policy.mode().equals("testing")) {
            return Finding.warning(
                    NAME,
                    domain,
                    "The MTA-STS policy lists " + hostName + " in mode: testing",
                    "Once TLS-RPT reports show no failures, serve mode: enforce and change the id of the _mta-sts record");
        }
        return Finding.ok(NAME, domain, "The MTA-STS policy lists " + hostName + " in mode: " + policy.mode());
    }
}
