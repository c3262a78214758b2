package org.karavel.dkim.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.interfaces.EdECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.junit.jupiter.api.Test;

/** The p= of key records in the three forms published (RFC 6376 §3.6.1, bare PKCS#1, RFC 8463 §4). */
class DkimKeyTest {
    private static final String RSA_SPKI = TestMessages.RSA_KEY.substring(TestMessages.RSA_KEY.indexOf("p=") + 2);

    @Test
    void readsASubjectPublicKeyInfoAndABarePkcs1RsaKeyAlike() throws Exception {
        byte[] spki = Base64.getDecoder().decode(RSA_SPKI);
        byte[] pkcs1 = SubjectPublicKeyInfo.getInstance(spki).getPublicKeyData().getBytes();

        DkimKey published = DkimKey.parse("v=DKIM1; k=rsa; p=" + RSA_SPKI);
        DkimKey bare = DkimKey.parse("v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(pkcs1));

        assertThat(published.rsaBits()).isEqualTo(1024);
        assertThat(bare.rsaBits()).isEqualTo(1024);
        assertThat(((RSAPublicKey) bare.key().orElseThrow()).getModulus())
                .isEqualTo(((RSAPublicKey) published.key().orElseThrow()).getModulus());
        assertThat(bare.key().orElseThrow().getEncoded()).isEqualTo(spki);
    }

    @Test
    void readsTheRaw32OctetsOfAnEd25519Key() throws Exception {
        DkimKey k = DkimKey.parse(TestMessages.ED25519_KEY);

        PublicKey key = k.key().orElseThrow();
        assertThat(key).isInstanceOf(EdECPublicKey.class);
        assertThat(k.rsaBits()).isZero();
        // RFC 8410: the fixed Ed25519 SubjectPublicKeyInfo header, then the 32 octets of p=
        byte[] raw = Base64.getDecoder().decode("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
        assertThat(Arrays.copyOfRange(key.getEncoded(), 0, 12))
                .isEqualTo(HexFormat.of().parseHex("302a300506032b6570032100"));
        assertThat(Arrays.copyOfRange(key.getEncoded(), 12, 44)).isEqualTo(raw);
    }

    @Test
    void anEmptyPIsARevokedKey() throws Exception {
        assertThat(DkimKey.parse("v=DKIM1; k=ed25519; p=").key()).isEmpty();
    }

    @Test
    void refusesKeysOfTheWrongFormOrAlgorithm() throws Exception {
        String ecSpki = Base64.getEncoder().encodeToString(ecKey().getEncoded());
        String edSpki = Base64.getEncoder()
                .encodeToString(DkimKey.parse(TestMessages.ED25519_KEY)
                        .key()
                        .orElseThrow()
                        .getEncoded());
        byte[] trailing = Arrays.copyOf(
                Base64.getDecoder().decode(RSA_SPKI), Base64.getDecoder().decode(RSA_SPKI).length + 1);

        assertThatThrownBy(() -> DkimKey.parse("k=rsa; p=" + ecSpki)).hasMessage("unusable rsa key");
        assertThatThrownBy(() -> DkimKey.parse("k=rsa; p=" + edSpki)).hasMessage("unusable rsa key");
        assertThatThrownBy(() -> DkimKey.parse("k=rsa; p=" + Base64.getEncoder().encodeToString(trailing)))
                .hasMessage("unusable rsa key");
        assertThatThrownBy(() -> DkimKey.parse("k=rsa; p=" + "MIGf".repeat(2))).hasMessage("unusable rsa key");
        assertThatThrownBy(() -> DkimKey.parse("k=rsa; p=ab!c")).hasMessage("invalid base64 in p=");
        assertThatThrownBy(() -> DkimKey.parse("k=ed25519; p=" + RSA_SPKI)).hasMessage("ed25519 key is not 32 octets");
        assertThatThrownBy(() -> DkimKey.parse("k=dsa; p=" + RSA_SPKI)).hasMessage("unknown key type dsa");
    }

    private static PublicKey ecKey() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair().getPublic();
    }
}
