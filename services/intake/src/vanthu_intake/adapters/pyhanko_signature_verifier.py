"""Digital signatures inside PDFs (PAdES), checked with pyHanko against the configured trust roots.

Only reads the bytes it is given; the original in the blob store is never touched.
"""

from __future__ import annotations

import io
from pathlib import Path

import structlog
from asn1crypto import pem, x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko_certvalidator import ValidationContext

from vanthu_intake.ports import SignatureCheck, SignerInfo

log = structlog.get_logger(__name__)


def load_trust_roots(folder: Path | None) -> list[x509.Certificate]:
    if folder is None or not folder.is_dir():
        return []
    roots = []
    for path in sorted(folder.glob("*.pem")) + sorted(folder.glob("*.crt")):
        data = path.read_bytes()
        if pem.detect(data):
            _, _, data = pem.unarmor(data)
        roots.append(x509.Certificate.load(data))
    return roots


class PyhankoSignatureVerifier:
    def __init__(self, trust_roots: list[x509.Certificate]) -> None:
        self._trust_roots = trust_roots

    async def verify(self, pdf: bytes) -> SignatureCheck:
        try:
            reader = PdfFileReader(io.BytesIO(pdf), strict=False)
            signatures = reader.embedded_signatures
        except (PdfError, ValueError, KeyError) as exc:
            return SignatureCheck("invalid", (), f"the PDF cannot be read: {exc}"[:500])
        if not signatures:
            return SignatureCheck("unsigned", (), None)
        results: list[str] = []
        reasons: list[str] = []
        signers: list[SignerInfo] = []
        for index, signature in enumerate(signatures, start=1):
            context = ValidationContext(trust_roots=self._trust_roots, allow_fetching=False)
            try:
                status = await async_validate_pdf_signature(
                    signature, signer_validation_context=context
                )
            except (SignatureValidationError, PdfError, ValueError) as exc:
                results.append("invalid")
                reasons.append(f"signature {index} cannot be validated: {exc}")
                continue
            cert = signature.signer_cert
            signers.append(
                SignerInfo(
                    subject=cert.subject.human_friendly[:500],
                    issuer=cert.issuer.human_friendly[:500],
                    serial_number=format(cert.serial_number, "X"),
                    signed_at=status.signer_reported_dt,
                )
            )
            if not (status.intact and status.valid):
                results.append("invalid")
                reasons.append(f"signature {index}: the document was changed after signing")
            elif not status.docmdp_ok:
                results.append("invalid")
                reasons.append(f"signature {index}: changes after signing are not allowed")
            elif not status.trusted:
                results.append("untrusted")
                reasons.append(
                    f"signature {index}: the certificate of {cert.subject.human_friendly} "
                    "does not chain to a trusted certificate authority"
                )
            else:
                results.append("valid")
        for outcome in ("invalid", "untrusted"):
            if outcome in results:
                return SignatureCheck(outcome, tuple(signers), "; ".join(reasons)[:500])
        return SignatureCheck("valid", tuple(signers), None)
