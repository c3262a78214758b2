package org.karavel.delivery.internal;

import java.util.Objects;
import java.util.function.Supplier;
import org.karavel.api.dkim.OutboundSigner;
import org.karavel.api.tls.OutboundTls;

/**
 * The services remote SMTP delivery asks for on every session: the outbound TLS policy and the DKIM
 * signer. Both are dynamic OSGi references, so each supplier may answer null at any time.
 *
 * @param tls the outbound TLS policy; null: remote delivery defers (fail closed)
 * @param signer the DKIM signer; null: messages leave unsigned
 */
record OutboundServices(Supplier<OutboundTls> tls, Supplier<OutboundSigner> signer) {
    OutboundServices {
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(signer, "signer");
    }
}
