"""Signing: the port every service signs through, and its adapters (issue 14, ADR 0019).

- `ports.Signer`: sign SHA-256 digests with a person's or an agency's key, answer CMS;
- `ports.RawSigner`: a bare RSA signature of bytes (XML-DSig, the exchange's edXML packages);
- `pkcs11_signer.Pkcs11Signer`: keys inside a PKCS#11 token (a USB token or an HSM; SoftHSM2 locally);
- `remote_signer.RemoteSigner`: the CAs' remote hash-signing (the person confirms on a phone);
- `remote_simulator`: a simulator of that protocol, for tests and the demo only.
"""

from vanthu_runtime.signing.ports import (
    CertificateRevoked,
    RawAlgorithm,
    RawSigner,
    Signer,
    SigningFailed,
    SigningNotConfigured,
    SigningRejected,
    SigningTimedOut,
    UnknownKey,
)

__all__ = [
    "CertificateRevoked",
    "RawAlgorithm",
    "RawSigner",
    "Signer",
    "SigningFailed",
    "SigningNotConfigured",
    "SigningRejected",
    "SigningTimedOut",
    "UnknownKey",
]
