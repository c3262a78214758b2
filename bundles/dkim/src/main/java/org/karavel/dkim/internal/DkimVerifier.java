package org.karavel.dkim.internal;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Signature;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.karavel.api.dns.DnsException;
import org.karavel.api.dns.Resolver;

/**
 * Verifies every DKIM signature of a received message (RFC 6376 §6.1): rsa-sha256 and
 * ed25519-sha256 (RFC 8463); rsa-sha1 and RSA keys under 1024 bits are never accepted (RFC 8301).
 * Keys come from the api Resolver; the signature checks run on the given executor.
 */
public final class DkimVerifier {
    private static final int MIN_RSA_BITS = 1024;
    /** Signatures verified per message, top first; the rest are ignored so a message cannot order 1000 key lookups. */
    static final int MAX_SIGNATURES = 10;

    private final Resolver resolver;
    private final Executor executor;
    private final Clock clock;

    public DkimVerifier(Resolver resolver, Executor executor, Clock clock) {
        this.resolver = resolver;
        this.executor = executor;
        this.clock = clock;
    }

    /** One result per DKIM-Signature field (the first {@value #MAX_SIGNATURES}), top to bottom; empty when there is none. */
    public CompletionStage<List<DkimResult>> verify(ReceivedMessage message) {
        List<CompletableFuture<DkimResult>> all = new ArrayList<>();
        for (ReceivedMessage.SignatureField f :
                message.signatures().stream().limit(MAX_SIGNATURES).toList()) {
            all.add(
                    f.signature() == null
                            ? CompletableFuture.completedFuture(
                                    new DkimResult("permerror", domainHint(f.field()), "", "", f.error()))
                            : verify(message, f.signature()).toCompletableFuture());
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                .thenApply(v -> all.stream().map(CompletableFuture::join).toList());
    }

    private CompletionStage<DkimResult> verify(ReceivedMessage message, DkimSignature s) {
        if (s.algorithm().equals("rsa-sha1")) {
            return done(DkimResult.of("policy", s, "rsa-sha1 not accepted"));
        }
        if (!s.algorithm().equals("rsa-sha256") && !s.algorithm().equals("ed25519-sha256")) {
            return done(DkimResult.of("permerror", s, "unknown algorithm " + s.algorithm()));
        }
        if (s.expiration() >= 0 && s.expiration() < clock.instant().getEpochSecond()) {
            return done(DkimResult.of("neutral", s, "signature expired"));
        }
        byte[] bodyHash = message.bodyHashes().get(s.bodyHashKey());
        if (bodyHash == null || !MessageDigest.isEqual(bodyHash, s.bodyHash())) {
            return done(DkimResult.of("fail", s, "body hash did not verify"));
        }
        if (s.bodyLength() >= 0 && message.canonicalLengths().get(s.bodyHashKey()) < s.bodyLength()) {
            return done(DkimResult.of("fail", s, "body shorter than l="));
        }
        boolean unsignedContent =
                s.bodyLength() >= 0 && message.canonicalLengths().get(s.bodyHashKey()) > s.bodyLength();
        return resolver.txt(s.keyName())
                .handle((records, error) -> {
                    if (error != null) {
                        Throwable cause = Dns.cause(error);
                        boolean temporary = !(cause instanceof DnsException d) || d.isTemporary();
                        return done(DkimResult.of(
                                temporary ? "temperror" : "permerror", s, temporary ? "key unavailable" : "no key"));
                    }
                    DkimKey key = null;
                    String problem = "no key";
                    for (String r : records) {
                        try {
                            key = DkimKey.parse(r);
                            break;
                        } catch (DkimKey.KeyException e) {
                            problem = e.getMessage();
                        }
                    }
                    if (key == null) {
                        return done(DkimResult.of("permerror", s, problem));
                    }
                    DkimKey k = key;
                    return CompletableFuture.supplyAsync(
                            () -> unsignedContent(check(message, s, k), s, unsignedContent), executor);
                })
                .thenCompose(f -> f);
    }

    private DkimResult check(ReceivedMessage message, DkimSignature s, DkimKey key) {
        if (key.key().isEmpty()) {
            return DkimResult.of("permerror", s, "key revoked");
        }
        if (!key.type().equals(s.keyType())) {
            return DkimResult.of("permerror", s, "key type mismatch");
        }
        if (!key.hashes().isEmpty() && !key.hashes().contains("sha256")) {
            return DkimResult.of("permerror", s, "hash not allowed by key");
        }
        if (key.strictIdentity()) {
            String iDomain = s.identity().substring(s.identity().lastIndexOf('@') + 1);
            if (!iDomain.equalsIgnoreCase(s.domain())) {
                return DkimResult.of("permerror", s, "i= subdomain not allowed by key");
            }
        }
        if (key.type().equals("rsa") && key.rsaBits() < MIN_RSA_BITS) {
            return DkimResult.of("permerror", s, "key too short");
        }
        byte[] input =
                HeaderHashInput.build(message.headers(), s.signedHeaders(), s.field(), s.headerCanonicalization());
        try {
            Signature verifier;
            byte[] data;
            if (key.type().equals("ed25519")) {
                // RFC 8463 §3: PureEdDSA over the SHA-256 hash of the header hash input
                verifier = Signature.getInstance("Ed25519");
                data = MessageDigest.getInstance("SHA-256").digest(input);
            } else {
                verifier = Signature.getInstance("SHA256withRSA");
                data = input;
            }
            verifier.initVerify(key.key().get());
            verifier.update(data);
            return verifier.verify(s.signature())
                    ? DkimResult.pass(s)
                    : DkimResult.of("fail", s, "signature did not verify");
        } catch (GeneralSecurityException e) {
            return DkimResult.of("fail", s, "signature did not verify");
        }
    }

    /**
     * A signature that verifies but whose l= leaves content after the signed part counts as failing:
     * whatever was appended (a new text part, a link) would otherwise ride on the signer's name.
     */
    private static DkimResult unsignedContent(DkimResult r, DkimSignature s, boolean unsignedContent) {
        return r.isPass() && unsignedContent ? DkimResult.of("fail", s, DkimResult.UNSIGNED_CONTENT) : r;
    }

    private static CompletionStage<DkimResult> done(DkimResult r) {
        return CompletableFuture.completedFuture(r);
    }

    /** The d= of a field that did not parse, for the report, if it can be seen. */
    private static String domainHint(HeaderField f) {
        return Arrays.stream(f.value().split(";"))
                .map(String::strip)
                .filter(t -> t.startsWith("d="))
                .map(t -> t.substring(2).strip().toLowerCase(Locale.ROOT))
                .filter(d -> d.matches("[a-z0-9._-]+"))
                .findFirst()
                .orElse("");
    }
}
