package org.karavel.api.tls;

import java.security.cert.X509Certificate;
import java.util.concurrent.CompletionStage;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The outbound TLS policy, for delivery over SMTP: which destinations get STARTTLS, how the server
 * certificate is checked (WebPKI, MTA-STS, DANE), when clear text is allowed, and the TLS-RPT
 * record of every session. Published by the {@code org.karavel.tls} bundle.
 *
 * <p>Per destination domain, then per MX host:
 * <pre>{@code
 * DestinationTls d = outbound.forDomain(domain)                 // once per delivery run
 * HostTls h = outbound.forHost(d, mx)                           // per MX host, in MX order
 * if (!h.mxAllowed()) { outbound.record(d.domain(), TlsOutcome.refused(h, localIp)); skip host }
 * connect, EHLO
 * if (!h.startTls() || STARTTLS not offered) v = outbound.withoutTls(h, false, "...")
 * else {
 *     STARTTLS; socket = outbound.clientContext().getSocketFactory().createSocket(s, mx, port, true)
 *     socket.setSSLParameters(outbound.clientParameters(h)); socket.startHandshake()
 *     handshake ok:     v = outbound.verify(h, peer chain, protocol, cipher suite)
 *     handshake failed: v = outbound.withoutTls(h, true, e.toString())
 *                       (v.clearTextRetry(): reconnect and deliver without STARTTLS)
 * }
 * if (!v.accepted()) QUIT, defer "4.7.5 " + v.detail()
 * log v.logText(); outbound.record(d.domain(), TlsOutcome.of(v, localIp, remoteIp))
 * }</pre>
 */
public interface OutboundTls {
    /**
     * The policy of a destination domain: an {@code outbound_policies} rule, else its MTA-STS policy
     * (fetched or cached), else {@code outbound_default}. Never fails: a DNS or fetch failure gives
     * the configured policy with {@link DestinationTls#policyFailure()} set.
     */
    CompletionStage<DestinationTls> forDomain(String domain);

    /**
     * Whether the MX host may be used under the destination's policy: true unless an MTA-STS enforce
     * policy does not list it (an {@code mx:} pattern {@code *.example.com} matches exactly one more
     * label on the left). DANE is not considered here; use {@link HostTls#mxAllowed()} for that.
     */
    boolean mxAllowed(DestinationTls destination, String mxHost);

    /**
     * The policy for one MX host: with DANE on and the host named by a DNSSEC-authentic MX answer
     * (or by the configuration), its TLSA records ({@code _25._tcp.<mx>}) decide when
     * DNSSEC-authentic, and MTA-STS then does not apply; otherwise the destination's policy (so an
     * MTA-STS enforce policy refuses a host it does not list). Never fails.
     *
     * @param mxAuthentic whether the host name comes from a DNSSEC-authentic MX RRset (or from the
     *     configuration, not from DNS): only then are its TLSA records looked at (RFC 7672 §2.2.1, as
     *     Postfix does)
     */
    CompletionStage<HostTls> forHost(DestinationTls destination, String mxHost, boolean mxAuthentic);

    /** {@link #forHost(DestinationTls, String, boolean)} for a host from an MX answer not known to be authentic: no DANE. */
    default CompletionStage<HostTls> forHost(DestinationTls destination, String mxHost) {
        return forHost(destination, mxHost, false);
    }

    /**
     * The client context for STARTTLS. Its trust manager accepts every chain so that the handshake
     * completes; {@link #verify} then decides, so that the reason can be logged and reported.
     */
    SSLContext clientContext();

    /** Parameters for the client socket or engine: the MX name as SNI, TLS 1.2 and 1.3. */
    SSLParameters clientParameters(HostTls host);

    /**
     * Judges a completed handshake: DANE matching (DANE-EE: key or certificate only; DANE-TA: chain
     * to the anchor and the MX name), else for verifying modes a PKIX path to a trusted root, a
     * certificate valid now and a name that matches the MX host.
     *
     * @param chain the peer chain, leaf first
     */
    TlsVerdict verify(HostTls host, X509Certificate[] chain, String protocol, String cipherSuite);

    /**
     * Judges a session without TLS: STARTTLS not offered or not wanted ({@code handshakeFailed}
     * false), or a failed handshake (true). Accepted in the modes that allow clear text; after a
     * failed handshake only OpportunisticInsecure allows it ({@link TlsVerdict#clearTextRetry()}).
     */
    TlsVerdict withoutTls(HostTls host, boolean handshakeFailed, String detail);

    /**
     * Counts one session for the daily TLS-RPT report (RFC 8460) of {@code policyDomain}. Quick and
     * never blocking; does nothing when TLS-RPT is off.
     */
    void record(String policyDomain, TlsOutcome outcome);
}
