package org.karavel.delivery.internal;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.karavel.api.dns.DnsException;
import org.karavel.api.dns.MxAnswer;
import org.karavel.api.dns.MxRecord;
import org.karavel.api.dns.Resolver;

/**
 * Finds the mail exchangers of a domain (RFC 5321 §5.1) through the resolver service: MX by
 * preference, the domain itself when it has no MX, nothing when it has a null MX (RFC 7505).
 * Runs on worker threads, which may wait for the resolver.
 */
final class MxLookup {
    private final Resolver resolver;
    private final Duration timeout;
    private final AddressFamilies families;

    MxLookup(Resolver resolver, Duration timeout) {
        this(resolver, timeout, AddressFamilies.DEFAULT);
    }

    /** @param families which address families are used, and in which order they are tried */
    MxLookup(Resolver resolver, Duration timeout, AddressFamilies families) {
        this.resolver = resolver;
        this.timeout = timeout;
        this.families = families;
    }

    /**
     * A host to try, with the preference of its MX record. {@code implicit} when it is the domain
     * itself for lack of MX records; {@code authentic} when its name comes from a DNSSEC-validated MX
     * answer or from the configuration (not from DNS), so that DANE may apply to it (RFC 7672 §2.2.1).
     */
    record Exchanger(String host, boolean implicit, int preference, boolean authentic) {
        /** A host that is the only one (implicit MX, smarthost, LMTP server): preference 0. */
        Exchanger(String host, boolean implicit, boolean authentic) {
            this(host, implicit, 0, authentic);
        }
    }

    /**
     * The exchangers of a domain, most preferred first.
     *
     * @throws DeliveryFailure bounced for NXDOMAIN and null MX, deferred for temporary DNS failures
     */
    List<Exchanger> exchangers(String domain) throws DeliveryFailure, InterruptedException {
        List<MxRecord> mx;
        boolean authentic;
        try {
            MxAnswer answer = await(resolver.mxAnswer(domain));
            mx = answer.records();
            authentic = answer.authentic();
        } catch (DnsException e) {
            if (!e.isTemporary()) {
                throw DeliveryFailure.bounced(
                        "5.1.2",
                        "550 5.1.2 Host or domain name not found. Name service error for name=" + domain
                                + " type=MX: Host not found");
            }
            throw DeliveryFailure.deferred(
                    "4.4.3",
                    "451 4.4.3 Host or domain name not found. Name service error for name=" + domain
                            + " type=MX: Host not found, try again (" + e.getMessage() + ")");
        }
        if (mx.isEmpty()) {
            // the domain's own address records are not checked for DNSSEC here: no DANE for an implicit MX
            return List.of(new Exchanger(domain, true, false));
        }
        if (mx.size() == 1 && mx.get(0).isNullMx()) {
            throw DeliveryFailure.bounced("5.1.10", "556 5.1.10 Domain does not accept mail (null MX)");
        }
        // stable: keeps the resolver's shuffle of equal preferences
        List<MxRecord> sorted = new ArrayList<>(mx);
        sorted.sort(Comparator.comparingInt(MxRecord::preference));
        List<Exchanger> hosts = new ArrayList<>();
        for (MxRecord r : sorted) {
            // a null MX among real ones is a misconfiguration: ignore it (RFC 7505 §3)
            if (!r.isNullMx() && hosts.stream().noneMatch(h -> h.host().equalsIgnoreCase(r.host()))) {
                hosts.add(new Exchanger(r.host(), false, r.preference(), authentic));
            }
        }
        return hosts;
    }

    /**
     * The addresses of a host of the families inet_protocols allows, in the order address_preference
     * gives (the other family follows, so a failed connect falls back to it).
     */
    List<InetAddress> addresses(String host) throws DnsException, InterruptedException {
        InetAddress literal = IpLiteral.parse(host);
        if (literal != null) {
            return families.order(List.of(literal));
        }
        return families.order(await(resolver.addresses(host)));
    }

    private <T> T await(CompletionStage<T> stage) throws DnsException, InterruptedException {
        try {
            return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof DnsException) {
                throw (DnsException) cause;
            }
            throw new DnsException(DnsException.Reason.SERVER_FAILURE, String.valueOf(cause));
        } catch (TimeoutException e) {
            throw new DnsException(DnsException.Reason.TIMEOUT, "no answer in " + timeout.toSeconds() + " s");
        }
    }
}
