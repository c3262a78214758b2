package org.karavel.dkim.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import org.karavel.api.address.FromField;
import org.karavel.api.dkim.OutboundSigner;
import org.karavel.api.queue.Envelope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signs a message that originates here ({@link org.karavel.api.queue.Origin#originatesHere()}) and
 * whose From domain is a signing domain (local, or listed in sign_domains): one
 * rsa-sha256 signature and, where the domain has an Ed25519 key, one ed25519-sha256 signature too.
 * A domain with no usable key is logged as an ERROR once per state of the key directory (not once
 * per message, so a busy server does not flood its log) and every such message is counted.
 */
final class OutboundSigning implements OutboundSigner {
    private static final Logger LOG = LoggerFactory.getLogger(OutboundSigning.class);

    private final KeyDirectory keys;
    private final Predicate<String> signingDomain;
    private final Duration ttl;
    private final int maxHeaderBytes;
    private final SigningCounters counters;
    private final Clock clock;
    private final Set<String> reported = new HashSet<>();
    private long reportedVersion = -1;

    /**
     * @param signingDomain whether a From domain (lower case) is one to sign for
     * @param ttl the signature lifetime for x=, zero for no x=
     */
    OutboundSigning(
            KeyDirectory keys,
            Predicate<String> signingDomain,
            Duration ttl,
            int maxHeaderBytes,
            SigningCounters counters,
            Clock clock) {
        this.keys = keys;
        this.signingDomain = signingDomain;
        this.ttl = ttl;
        this.maxHeaderBytes = maxHeaderBytes;
        this.counters = counters;
        this.clock = clock;
    }

    @Override
    public String sign(Envelope envelope, InputStream content) throws IOException {
        if (!envelope.origin().originatesHere()) {
            // mail from the Internet never gets our signature, whatever its From says (delivery does not even ask)
            counters.notOurs();
            return "";
        }
        OutgoingMessage message = OutgoingMessage.read(content, maxHeaderBytes);
        boolean senderOurs = !envelope.sender().isNullSender()
                && signingDomain.test(envelope.sender().domainKey());
        if (message.headerTooLarge()) {
            return unsignedIf(senderOurs, "header_too_large", "header block over " + maxHeaderBytes + " octets");
        }
        List<HeaderField> from =
                message.headers().stream().filter(f -> f.is("From")).toList();
        List<String> addresses =
                from.size() == 1 ? FromField.addresses(from.get(0).value()) : List.of();
        if (addresses.size() != 1 || addresses.get(0).lastIndexOf('@') < 0) {
            return unsignedIf(senderOurs, "no_from", "not exactly one From address");
        }
        String address = addresses.get(0);
        String domain = address.substring(address.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
        if (domain.endsWith(".")) {
            domain = domain.substring(0, domain.length() - 1);
        }
        if (!signingDomain.test(domain)) {
            counters.notOurs();
            return "";
        }
        KeyDirectory.Snapshot snapshot = keys.keys();
        SigningKey rsa = snapshot.active(domain, "rsa").orElse(null);
        SigningKey ed25519 = snapshot.active(domain, "ed25519").orElse(null);
        if (rsa == null && ed25519 == null) {
            List<Path> broken = snapshot.broken(domain);
            String reason = broken.isEmpty() ? "no_key" : "broken_key";
            counters.unsigned(reason);
            reportOnce(
                    snapshot,
                    domain,
                    broken.isEmpty()
                            ? "no DKIM key for " + domain + " in " + keys.directory() + " (expected " + domain
                                    + ".<selector>.rsa.pem; make one with mta:dkim-keygen " + domain
                                    + "): its mail goes out unsigned"
                            : "the DKIM key of " + domain + " is unusable (" + broken
                                    + "): its mail goes out unsigned");
            return "";
        }
        if (rsa == null) {
            reportOnce(
                    snapshot,
                    domain,
                    "no RSA DKIM key for " + domain + " in " + keys.directory()
                            + ": its mail is signed with ed25519 only, which many receivers cannot verify");
        }
        long now = clock.instant().getEpochSecond();
        long expiration = ttl.isZero() ? -1 : now + ttl.toSeconds();
        StringBuilder fields = new StringBuilder();
        for (SigningKey key : new SigningKey[] {rsa, ed25519}) {
            if (key == null) {
                continue;
            }
            try {
                fields.append(MessageSigner.sign(key, message.headers(), message.bodyHash(), now, expiration));
                counters.signed(key.signatureAlgorithm());
            } catch (GeneralSecurityException | RuntimeException e) {
                LOG.error("DKIM signing with {} failed: {}", key.file(), e.toString());
            }
        }
        if (fields.length() == 0) {
            counters.unsigned("error");
            return "";
        }
        LOG.debug(
                "signed mail from {} as d={} ({})",
                address,
                domain,
                rsa != null && ed25519 != null ? "rsa, ed25519" : rsa != null ? "rsa" : "ed25519");
        return fields.toString();
    }

    private String unsignedIf(boolean count, String reason, String why) {
        if (count) {
            counters.unsigned(reason);
            LOG.warn("a message from a signing domain goes out unsigned: {}", why);
        }
        return "";
    }

    private synchronized void reportOnce(KeyDirectory.Snapshot snapshot, String domain, String message) {
        if (snapshot.version() != reportedVersion) {
            reportedVersion = snapshot.version();
            reported.clear();
        }
        if (reported.add(domain)) {
            LOG.error(message);
        }
    }
}
