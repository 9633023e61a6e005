package io.sagaflow.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;

/**
 * Signs bearer tokens for the tests with a key pair made for them (src/test/resources/jwt): the
 * service trusts {@code test-public.pem} ({@code spring.security.oauth2.resourceserver.jwt.public-key-location}
 * in {@link IntegrationTest}); {@code stranger-private.pem} signs tokens it must refuse. No identity
 * provider is involved: the resource server only checks signature, expiry and scopes.
 */
public final class JwtTokens {

    public static final String TEST_KEY = "jwt/test-private.pem";
    public static final String STRANGER_KEY = "jwt/stranger-private.pem";

    private JwtTokens() {
    }

    /** A token valid for five minutes with the given subject and space-separated scopes. */
    public static String valid(String subject, String scopes) {
        return signed(TEST_KEY, subject, scopes, Instant.now(), Instant.now().plus(Duration.ofMinutes(5)));
    }

    public static String signed(String privateKeyResource, String subject, String scopes, Instant issuedAt,
                                Instant expiresAt) {
        return signed(privateKeyResource, "sagaflow-tests", subject, scopes, issuedAt, expiresAt);
    }

    /** The test key's public half as a JWK set, as an identity provider publishes it. */
    public static String publicJwkSet() {
        RSAPrivateCrtKey privateKey = privateKey(TEST_KEY);
        try {
            RSAPublicKey publicKey = (RSAPublicKey) KeyFactory.getInstance("RSA")
                    .generatePublic(new RSAPublicKeySpec(privateKey.getModulus(), privateKey.getPublicExponent()));
            return new JWKSet(new RSAKey.Builder(publicKey).build()).toString(true);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("test key unusable", e);
        }
    }

    public static String signed(String privateKeyResource, String issuer, String subject, String scopes,
                                Instant issuedAt, Instant expiresAt) {
        RSAPrivateCrtKey privateKey = privateKey(privateKeyResource);
        RSAKey key;
        try {
            RSAPublicKey publicKey = (RSAPublicKey) KeyFactory.getInstance("RSA")
                    .generatePublic(new RSAPublicKeySpec(privateKey.getModulus(), privateKey.getPublicExponent()));
            key = new RSAKey.Builder(publicKey).privateKey(privateKey).build();
        } catch (Exception e) {
            throw new IllegalStateException("test key unusable", e);
        }
        NimbusJwtEncoder encoder = new NimbusJwtEncoder(new ImmutableJWKSet<>(new JWKSet(key)));
        JwtClaimsSet claims = JwtClaimsSet.builder().subject(subject).issuer(issuer).issuedAt(issuedAt)
                .expiresAt(expiresAt).claim("scope", scopes).build();
        return encoder.encode(JwtEncoderParameters.from(JwsHeader.with(SignatureAlgorithm.RS256).build(), claims))
                .getTokenValue();
    }

    private static RSAPrivateCrtKey privateKey(String resource) {
        try (InputStream in = JwtTokens.class.getClassLoader().getResourceAsStream(resource)) {
            String pem = new String(in.readAllBytes(), StandardCharsets.US_ASCII)
                    .replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            return (RSAPrivateCrtKey) KeyFactory.getInstance("RSA")
                    .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
        } catch (IOException | java.security.GeneralSecurityException | NullPointerException e) {
            throw new IllegalStateException("test key " + resource + " unreadable", e);
        }
    }
}
