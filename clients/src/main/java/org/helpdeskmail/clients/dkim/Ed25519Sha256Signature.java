package org.helpdeskmail.clients.dkim;

import java.security.InvalidKeyException;
import java.security.InvalidParameterException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;

/**
 * ed25519-sha256 of DKIM (RFC 8463 §3): PureEdDSA (Ed25519) over the SHA-256 hash of the
 * canonicalised header data, as a {@link Signature} that DKIM code feeding a Signature (jDKIM's
 * header canonicalisation) can use in place of SHA256withRSA. Public, with a no-argument
 * constructor, so that a JCA provider can also offer it as {@code SHA256withED25519}.
 */
public final class Ed25519Sha256Signature extends Signature {
    private final MessageDigest digest;
    private final Signature ed25519;

    public Ed25519Sha256Signature() throws NoSuchAlgorithmException {
        super(DkimAlgorithm.ED25519.signatureAlgorithm());
        digest = MessageDigest.getInstance("SHA-256");
        ed25519 = Signature.getInstance("Ed25519");
    }

    @Override
    protected void engineInitSign(PrivateKey privateKey) throws InvalidKeyException {
        ed25519.initSign(privateKey);
        digest.reset();
    }

    @Override
    protected void engineInitVerify(PublicKey publicKey) throws InvalidKeyException {
        ed25519.initVerify(publicKey);
        digest.reset();
    }

    @Override
    protected void engineUpdate(byte b) {
        digest.update(b);
    }

    @Override
    protected void engineUpdate(byte[] bytes, int offset, int length) {
        digest.update(bytes, offset, length);
    }

    @Override
    protected byte[] engineSign() throws SignatureException {
        ed25519.update(digest.digest());
        return ed25519.sign();
    }

    @Override
    protected boolean engineVerify(byte[] signature) throws SignatureException {
        ed25519.update(digest.digest());
        return ed25519.verify(signature);
    }

    @Override
    @Deprecated
    protected void engineSetParameter(String name, Object value) {
        throw new InvalidParameterException(name);
    }

    @Override
    @Deprecated
    protected Object engineGetParameter(String name) {
        throw new InvalidParameterException(name);
    }
}
