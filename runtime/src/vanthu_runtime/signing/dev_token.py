"""Key pairs made inside the token, with certificates of the development CA (`signing.sh`).

    python -m vanthu_runtime.signing.dev_token STATE_DIR LABEL=COMMON_NAME|ORGANISATION ...

with VANTHU_SIGNING_PKCS11_MODULE, VANTHU_SIGNING_TOKEN_LABEL and VANTHU_SIGNING_PIN in the
environment (SOFTHSM2_CONF for SoftHSM2). Each key is generated in the token (CKA_EXTRACTABLE
false, CKA_SENSITIVE true); only its public half comes out, to be certified. A label that
already has its key and certificate is left as it is, so running it again changes nothing.
The CA's certificate is written to STATE_DIR/trust/ (the deployment's trust list).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pkcs11
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pkcs11 import Attribute, CertificateType, KeyType, ObjectClass

from vanthu_runtime.signing.dev_ca import DevCa, issue, load_or_make_ca
from vanthu_runtime.signing.settings import SigningSettings

CA_NAME = "vanthu Development CA"


def _has(session: Any, object_class: ObjectClass, label: str) -> bool:
    return any(
        True for _ in session.get_objects({Attribute.CLASS: object_class, Attribute.LABEL: label})
    )


def ensure_key(session: Any, ca: DevCa, label: str, common_name: str, organisation: str) -> bool:
    """Make the key pair and its certificate when the token lacks them; True when made."""
    if _has(session, ObjectClass.PRIVATE_KEY, label) and _has(
        session, ObjectClass.CERTIFICATE, label
    ):
        return False
    for object_class in (ObjectClass.PRIVATE_KEY, ObjectClass.PUBLIC_KEY, ObjectClass.CERTIFICATE):
        for found in list(
            session.get_objects({Attribute.CLASS: object_class, Attribute.LABEL: label})
        ):
            found.destroy()
    key_id = label.encode()
    public, _private = session.generate_keypair(
        KeyType.RSA,
        2048,
        label=label,
        id=key_id,
        store=True,
        private_template={
            Attribute.EXTRACTABLE: False,
            Attribute.SENSITIVE: True,
            Attribute.SIGN: True,
        },
    )
    numbers = rsa.RSAPublicNumbers(
        int.from_bytes(public[Attribute.PUBLIC_EXPONENT], "big"),
        int.from_bytes(public[Attribute.MODULUS], "big"),
    )
    certificate = issue(ca, numbers.public_key(), common_name, organisation)
    session.create_object(
        {
            Attribute.CLASS: ObjectClass.CERTIFICATE,
            Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
            Attribute.TOKEN: True,
            Attribute.LABEL: label,
            Attribute.ID: key_id,
            Attribute.SUBJECT: certificate.subject.public_bytes(),
            Attribute.VALUE: certificate.public_bytes(serialization.Encoding.DER),
        }
    )
    return True


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        sys.stderr.write(
            "usage: python -m vanthu_runtime.signing.dev_token STATE_DIR "
            "LABEL=COMMON_NAME|ORGANISATION ...\n"
        )
        return 2
    state = Path(argv[0])
    settings = SigningSettings()
    if settings.pkcs11_module is None or settings.pin is None:
        sys.stderr.write("VANTHU_SIGNING_PKCS11_MODULE and VANTHU_SIGNING_PIN are needed\n")
        return 2
    ca = load_or_make_ca(state / "ca", CA_NAME)
    trust = state / "trust"
    trust.mkdir(parents=True, exist_ok=True)
    (trust / "vanthu-dev-ca.pem").write_bytes(ca.certificate_pem)
    token = pkcs11.lib(str(settings.pkcs11_module)).get_token(token_label=settings.token_label)
    made = []
    with token.open(rw=True, user_pin=settings.pin.get_secret_value()) as session:
        for spec in argv[1:]:
            label, _, names = spec.partition("=")
            common_name, _, organisation = names.partition("|")
            if ensure_key(session, ca, label, common_name, organisation or common_name):
                made.append(label)
    sys.stdout.write(json.dumps({"keys_made": made}, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
