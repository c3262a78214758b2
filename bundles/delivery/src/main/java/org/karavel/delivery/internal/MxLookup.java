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

    /** A host to try. {@code implicit} when it is the domain itself for lack of MX records. */
    record Exchanger(String host, boolean implicit, int preference) {
        /** A host that is the only one (implicit MX, smarthost, LMTP server): preference 0. */
        Exchanger(String host, boolean implicit) {
            this(host, implicit, 0);
        }
    }

    /**
     * The exchangers of a domain, most preferred first.
     *
     * @throws DeliveryFailure bounced for NXDOMAIN and null MX, deferred for temporary DNS failures
     */
    List<Exchanger> exchangers(String domain) throws DeliveryFailure, InterruptedException {
        List<MxRecord> mx;
        try {
            mx = await(resolver.mx(domain));
        } catch (DnsException e) {
            if (!e.isTemporary()) {
                throw DeliveryFailure.bounced("5.1.2", "550 5.1.2 Host or domain name not found. Name service error for name="
                        + domain + " type=MX: Host not found");
            }
            throw DeliveryFailure.deferred("4.4.3", "451 4.4.3 Host or domain name not found. Name service error for name="
                    + domain + " type=MX: Host not found, try again (" + e.getMessage() + ")");
        }
        if (mx.isEmpty()) {
            return List.of(new Exchanger(domain, true));
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
                hosts.add(new Exchanger(r.host(), false, r.preference()));
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
