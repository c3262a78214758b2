package org.karavel.api.tls;

/** Why a TLS session failed its policy: the result types of TLS-RPT (RFC 8460 §4.3). */
public enum TlsFailure {
    STARTTLS_NOT_SUPPORTED("starttls-not-supported"),
    CERTIFICATE_HOST_MISMATCH("certificate-host-mismatch"),
    CERTIFICATE_EXPIRED("certificate-expired"),
    CERTIFICATE_NOT_TRUSTED("certificate-not-trusted"),
    /** Any other failure, e.g. a failed handshake or an MX host the MTA-STS policy does not list. */
    VALIDATION_FAILURE("validation-failure"),
    TLSA_INVALID("tlsa-invalid"),
    DNSSEC_INVALID("dnssec-invalid"),
    DANE_REQUIRED("dane-required"),
    STS_POLICY_FETCH_ERROR("sts-policy-fetch-error"),
    STS_POLICY_INVALID("sts-policy-invalid"),
    STS_WEBPKI_INVALID("sts-webpki-invalid");

    private final String resultType;

    TlsFailure(String resultType) {
        this.resultType = resultType;
    }

    /** The RFC 8460 {@code result-type}, e.g. {@code certificate-expired}. */
    public String resultType() {
        return resultType;
    }

    /** The constant for an RFC 8460 result type. */
    public static TlsFailure ofResultType(String resultType) {
        for (TlsFailure failure : values()) {
            if (failure.resultType.equals(resultType)) {
                return failure;
            }
        }
        throw new IllegalArgumentException("unknown TLS-RPT result type " + resultType);
    }

    @Override
    public String toString() {
        return resultType;
    }
}
