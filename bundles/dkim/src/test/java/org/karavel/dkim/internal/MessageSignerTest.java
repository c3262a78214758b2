package org.karavel.dkim.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPrivateCrtKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The signer against RFC 8463 Appendix A (same keys, same t=, same b=) and an independent verifier. */
class MessageSignerTest {
    /** RFC 8463 Appendix A.1: the Ed25519 private key (the RFC 8032 §7.1 test 1 seed). */
    static final String RFC8463_ED25519_SECRET = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
    /** RFC 8463 Appendix A.1: the RSA private key, PKCS#1, as the RFC prints it. */
    static final String RFC8463_RSA_PEM = String.join(
            "\n",
            "-----BEGIN RSA PRIVATE KEY-----",
            "MIICXQIBAAKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQi",
            "Y/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqM",
            "KrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB",
            "AoGAH0cxOhFZDgzXWhDhnAJDw5s4roOXN4OhjiXa8W7Y3rhX3FJqmJSPuC8N9vQm",
            "6SVbaLAE4SG5mLMueHlh4KXffEpuLEiNp9Ss3O4YfLiQpbRqE7Tm5SxKjvvQoZZe",
            "zHorimOaChRL2it47iuWxzxSiRMv4c+j70GiWdxXnxe4UoECQQDzJB/0U58W7RZy",
            "6enGVj2kWF732CoWFZWzi1FicudrBFoy63QwcowpoCazKtvZGMNlPWnC7x/6o8Gc",
            "uSe0ga2xAkEA8C7PipPm1/1fTRQvj1o/dDmZp243044ZNyxjg+/OPN0oWCbXIGxy",
            "WvmZbXriOWoSALJTjExEgraHEgnXssuk7QJBALl5ICsYMu6hMxO73gnfNayNgPxd",
            "WFV6Z7ULnKyV7HSVYF0hgYOHjeYe9gaMtiehsRdWvjPhE9/7nR2m1bqJ2sECQQCL",
            "JdafjPe16grWhvMy3xmsfsTT1MkVXhD5eCJzaj6D+7XLFcQQq3z5Zy0bT8Pv6mtX",
            "NGWvwTmwTfxO7aQvOyaVAkBqoAbf+2bi8QPmbCPHKQ5QTe9VTtpnDLIjUWW/Z1rF",
            "yoQxvvZfp2j0Lf5+GrEdH7h1iyJXrhMvs9z2SH9KArsc",
            "-----END RSA PRIVATE KEY-----",
            "");

    /** The RFC's fields as printed (their folding and the spaces in h= matter), b= emptied. */
    static final String RFC_ED25519_FIELD = String.join(
            "\r\n",
            "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;",
            " d=football.example.com; i=@football.example.com;",
            " q=dns/txt; s=brisbane; t=1528637909; h=from : to :",
            " subject : date : message-id : from : subject : date;",
            " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;",
            " b=");

    static final String RFC_RSA_FIELD = String.join(
            "\r\n",
            "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;",
            " d=football.example.com; i=@football.example.com;",
            " q=dns/txt; s=test; t=1528637909; h=from : to : subject :",
            " date : message-id : from : subject : date;",
            " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;",
            " b=");
    static final List<String> RFC_NAMES =
            List.of("from", "to", "subject", "date", "message-id", "from", "subject", "date");

    static final String MESSAGE = String.join(
            "\r\n",
            "From: Joe SixPack <joe@football.example.com>",
            "To: Suzie Q <suzie@shopping.example.net>",
            "Subject: Is dinner ready?",
            "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)",
            "Message-ID: <20030712040037.46341.5F8J@football.example.com>",
            "List-Id: <dinner.football.example.com>",
            "",
            "Hi.",
            "",
            "We lost the game.  Are you hungry yet?   ",
            "",
            "Joe.",
            "",
            "",
            "");

    static PrivateKey rfcEd25519() throws Exception {
        byte[] prefix = HexFormat.of().parseHex("302e020100300506032b657004220420");
        byte[] seed = Base64.getDecoder().decode(RFC8463_ED25519_SECRET);
        byte[] der = new byte[48];
        System.arraycopy(prefix, 0, der, 0, 16);
        System.arraycopy(seed, 0, der, 16, 32);
        return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der));
    }

    /**
     * The RFC's RSA key read through the PKCS#1 path. Its CRT values (dP, dQ, qInv) are recomputed from
     * n, e, d, p, q: this copy of the key text has a damaged dP line, and an RSA signature depends on
     * n and d only, so the b= comparison still proves the signer right.
     */
    static PrivateKey rfcRsa() throws Exception {
        RSAPrivateCrtKey k = (RSAPrivateCrtKey) PrivateKeyPem.parse(RFC8463_RSA_PEM, "rsa");
        BigInteger d = k.getPrivateExponent();
        BigInteger p = k.getPrimeP();
        BigInteger q = k.getPrimeQ();
        assertThat(p.multiply(q)).isEqualTo(k.getModulus());
        return KeyFactory.getInstance("RSA")
                .generatePrivate(new RSAPrivateCrtKeySpec(
                        k.getModulus(),
                        k.getPublicExponent(),
                        d,
                        p,
                        q,
                        d.mod(p.subtract(BigInteger.ONE)),
                        d.mod(q.subtract(BigInteger.ONE)),
                        q.modInverse(p)));
    }

    static List<HeaderField> rfcHeaders() throws Exception {
        OutgoingMessage m = read(TestMessages.RFC8463);
        return m.headers().stream().filter(f -> !f.is("DKIM-Signature")).toList();
    }

    static OutgoingMessage read(String raw) throws Exception {
        return OutgoingMessage.read(new ByteArrayInputStream(raw.getBytes(StandardCharsets.ISO_8859_1)), 65536);
    }

    @Test
    void reproducesTheEd25519SignatureOfRfc8463AppendixA() throws Exception {
        byte[] b = MessageSigner.signature("ed25519-sha256", rfcEd25519(), rfcHeaders(), RFC_NAMES, RFC_ED25519_FIELD);

        assertThat(Base64.getEncoder().encodeToString(b))
                .isEqualTo("/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11BusFa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==");
    }

    @Test
    void reproducesTheRsaSignatureOfRfc8463AppendixAFromItsPkcs1Key() throws Exception {
        PrivateKey rsa = rfcRsa();
        SigningKey key = SigningKey.of("football.example.com", "test", "rsa", rsa, Path.of("x"));

        byte[] b = MessageSigner.signature("rsa-sha256", rsa, rfcHeaders(), RFC_NAMES, RFC_RSA_FIELD);

        assertThat(key.txt()).isEqualTo(TestMessages.RSA_KEY); // the key is the one the RFC publishes
        assertThat(Base64.getEncoder().encodeToString(b))
                .isEqualTo(
                        "F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2JzdA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=");
    }

    @Test
    void bodyHashIsTheOneOfRfc8463() throws Exception {
        assertThat(Base64.getEncoder().encodeToString(read(TestMessages.RFC8463).bodyHash()))
                .isEqualTo("2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
    }

    @Test
    void signsTheUsualFieldsAndOversignsFrom() throws Exception {
        List<String> names = MessageSigner.signedNames(read(MESSAGE).headers());

        assertThat(names).startsWith("from", "from", "sender", "reply-to", "to", "to", "cc", "subject", "subject");
        assertThat(names).contains("list-id").doesNotContain("list-unsubscribe");
        assertThat(names.stream().filter("list-id"::equals).count()).isEqualTo(2);
        assertThat(names.stream().filter("cc"::equals).count()).isEqualTo(1); // absent: signed as absent
    }

    @Test
    void bothSignaturesVerifyWithAnIndependentVerifierAndTheBundlesOwn() throws Exception {
        var rsaPair = KeyPairGenerator.getInstance("RSA");
        rsaPair.initialize(2048);
        SigningKey rsa = SigningKey.of(
                "football.example.com",
                "2026a",
                "rsa",
                rsaPair.generateKeyPair().getPrivate(),
                Path.of("r"));
        SigningKey ed = SigningKey.of("football.example.com", "2026e", "ed25519", rfcEd25519(), Path.of("e"));
        OutgoingMessage m = read(MESSAGE);

        String signed = MessageSigner.sign(rsa, m.headers(), m.bodyHash(), 1_800_000_000L, 1_800_086_400L)
                + MessageSigner.sign(ed, m.headers(), m.bodyHash(), 1_800_000_000L, -1)
                + MESSAGE;

        assertThat(ed.publicKey()).isEqualTo("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
        assertThat(IndependentDkimVerifier.verify(signed, 0, rsa.txt())).isTrue();
        assertThat(IndependentDkimVerifier.verify(signed, 1, ed.txt())).isTrue();
        assertThat(signed.lines().filter(l -> !l.isEmpty())).allMatch(l -> l.length() <= 78);
        DkimSignature parsed = DkimSignature.parse(read(signed).headers().get(0));
        assertThat(parsed.algorithm()).isEqualTo("rsa-sha256");
        assertThat(parsed.timestamp()).isEqualTo(1_800_000_000L);
        assertThat(parsed.expiration()).isEqualTo(1_800_086_400L);
        assertThat(parsed.selector()).isEqualTo("2026a");
        assertThat(parsed.headerCanonicalization()).isEqualTo(Canonicalization.RELAXED);
    }

    @Test
    void aSecondFromOrAChangedBodyBreaksTheSignature() throws Exception {
        SigningKey ed = SigningKey.of("football.example.com", "2026e", "ed25519", rfcEd25519(), Path.of("e"));
        OutgoingMessage m = read(MESSAGE);
        String field = MessageSigner.sign(ed, m.headers(), m.bodyHash(), 1_800_000_000L, -1);

        String extraFrom = field + MESSAGE.replace("To: Suzie", "From: Mallory <m@evil.example>\r\nTo: Suzie");
        String otherBody = field + MESSAGE.replace("hungry", "angry");

        assertThat(IndependentDkimVerifier.verify(field + MESSAGE, 0, ed.txt())).isTrue();
        assertThat(IndependentDkimVerifier.verify(extraFrom, 0, ed.txt())).isFalse();
        assertThat(IndependentDkimVerifier.verify(otherBody, 0, ed.txt())).isFalse();
    }

    @Test
    void derivesTheEd25519PublicKeyOfRfc8032TestOne() {
        byte[] pub = Ed25519PublicKey.fromSeed(
                HexFormat.of().parseHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));

        assertThat(HexFormat.of().formatHex(pub))
                .isEqualTo("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    }
}
