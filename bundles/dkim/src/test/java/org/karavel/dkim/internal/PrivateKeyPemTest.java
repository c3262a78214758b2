package org.karavel.dkim.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.EncryptedPrivateKeyInfo;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** PEM private keys as operators bring them, read through BouncyCastle's PEMParser. */
class PrivateKeyPemTest {
    private static KeyPair rsa;
    private static KeyPair ed25519;

    @BeforeAll
    static void keys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(1024);
        rsa = generator.generateKeyPair();
        ed25519 = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    @Test
    void readsBackWhatItWritesForBothAlgorithms() throws Exception {
        String rsaPem = PrivateKeyPem.format(rsa.getPrivate());
        String edPem = PrivateKeyPem.format(ed25519.getPrivate());

        assertThat(rsaPem).startsWith("-----BEGIN PRIVATE KEY-----\n").endsWith("-----END PRIVATE KEY-----\n");
        assertThat(rsaPem.lines().skip(1).filter(l -> !l.startsWith("-----"))).allMatch(l -> l.length() <= 64);
        PrivateKey r = PrivateKeyPem.parse(rsaPem, "rsa");
        PrivateKey e = PrivateKeyPem.parse(edPem, "ed25519");
        assertThat(r).isInstanceOf(RSAPrivateCrtKey.class);
        assertThat(r.getEncoded()).isEqualTo(rsa.getPrivate().getEncoded());
        assertThat(e).isInstanceOf(EdECPrivateKey.class);
        assertThat(e.getEncoded()).isEqualTo(ed25519.getPrivate().getEncoded());
    }

    @Test
    void readsPkcs1RsaAsOpendkimWritesIt() throws Exception {
        RSAPrivateCrtKey k = (RSAPrivateCrtKey) PrivateKeyPem.parse(MessageSignerTest.RFC8463_RSA_PEM, "rsa");

        assertThat(k.getModulus().bitLength()).isEqualTo(1024);
        assertThat(k.getPublicExponent().intValue()).isEqualTo(65537);
        assertThatThrownBy(() -> PrivateKeyPem.parse(MessageSignerTest.RFC8463_RSA_PEM, "ed25519"))
                .isInstanceOf(GeneralSecurityException.class)
                .hasMessage("an RSA key in a file named for ed25519");
    }

    @Test
    void readsAnEd25519Pkcs8V2KeyThatCarriesItsPublicKey() throws Exception {
        byte[] seed = ((EdECPrivateKey) ed25519.getPrivate()).getBytes().orElseThrow();
        byte[] publicKey = Ed25519PublicKey.fromSeed(seed);
        PrivateKeyInfo v2 = new PrivateKeyInfo(
                new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519), new DEROctetString(seed), null, publicKey);

        EdECPrivateKey k = (EdECPrivateKey) PrivateKeyPem.parse(pem("PRIVATE KEY", v2.getEncoded()), "ed25519");

        assertThat(k.getBytes()).hasValueSatisfying(b -> assertThat(b).isEqualTo(seed));
    }

    @Test
    void skipsTextAndOtherBlocksAroundTheKey() throws Exception {
        String file = "# example.com 2026a, made by hand\n"
                + PrivateKeyPem.format(ed25519.getPrivate())
                + pem("CERTIFICATE", certificate(ed25519).getEncoded());

        assertThat(PrivateKeyPem.parse(file, "ed25519").getEncoded())
                .isEqualTo(ed25519.getPrivate().getEncoded());
    }

    @Test
    void refusesTwoKeysInOneFile() {
        String two = PrivateKeyPem.format(rsa.getPrivate()) + PrivateKeyPem.format(rsa.getPrivate());

        assertThatThrownBy(() -> PrivateKeyPem.parse(two, "rsa"))
                .isInstanceOf(GeneralSecurityException.class)
                .hasMessageContaining("more than one private key");
    }

    @Test
    void refusesEncryptedKeysOfBothFormsWithTheSameAdvice() throws Exception {
        EncryptedPrivateKeyInfo info =
                new EncryptedPrivateKeyInfo(new AlgorithmIdentifier(PKCSObjectIdentifiers.id_PBES2), new byte[32]);
        String pkcs8 = pem("ENCRYPTED PRIVATE KEY", info.getEncoded());
        String pkcs1 =
                "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n"
                        + Base64.getEncoder().encodeToString(new byte[48]) + "\n-----END RSA PRIVATE KEY-----\n";

        assertThatThrownBy(() -> PrivateKeyPem.parse(pkcs8, "rsa"))
                .hasMessage("the key is encrypted; store it without a passphrase (mode 0600)");
        assertThatThrownBy(() -> PrivateKeyPem.parse(pkcs1, "rsa"))
                .hasMessage("the key is encrypted; store it without a passphrase (mode 0600)");
    }

    @Test
    void namesWhatIsWrongWithoutQuotingTheFile() {
        assertThatThrownBy(() -> PrivateKeyPem.parse("just text", "rsa"))
                .isInstanceOf(GeneralSecurityException.class)
                .hasMessage("no -----BEGIN PRIVATE KEY----- block");
        assertThatThrownBy(() -> PrivateKeyPem.parse(
                        "-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n", "rsa"))
                .hasMessage("invalid base64 in the PEM block");
        assertThatThrownBy(() -> PrivateKeyPem.parse(pem("PRIVATE KEY", "secret-looking junk".getBytes()), "rsa"))
                .hasMessage("not a PKCS#8 rsa private key");
        assertThatThrownBy(() -> PrivateKeyPem.parse(PrivateKeyPem.format(ed25519.getPrivate()), "rsa"))
                .hasMessage("not a PKCS#8 rsa private key");
        assertThatThrownBy(() -> PrivateKeyPem.parse(PrivateKeyPem.format(rsa.getPrivate()), "ed25519"))
                .hasMessage("not a PKCS#8 ed25519 private key");
    }

    private static X509CertificateHolder certificate(KeyPair pair) throws Exception {
        X500Name name = new X500Name("CN=mail.example.com");
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(
                        name, BigInteger.ONE, Date.from(now), Date.from(now.plusSeconds(3600)), name, pair.getPublic())
                .build(new JcaContentSignerBuilder("Ed25519").build(pair.getPrivate()));
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder().encodeToString(der) + "\n-----END " + label
                + "-----\n";
    }
}
