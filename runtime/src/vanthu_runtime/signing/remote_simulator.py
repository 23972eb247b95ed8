"""A SIMULATOR of a CA's remote signing service (hash signing with confirmation on the phone),
for tests and the demo: nothing it signs is a real signature of anyone. It speaks the protocol
`remote_signer` documents and lets each credential behave as a test or a demo asks:

- `confirm`: the person confirms after `confirm_after_s` (one confirmation per transaction,
  however many hashes it carries, up to `batch_limit`);
- `reject`: the person refuses on the phone;
- `ignore`: nobody answers; the transaction times out after `expires_after_s`;
- `revoked`: the credential's certificate is revoked, nothing is signed;
- `manual`: a person confirms or rejects with POST /simulator/transactions/{id}/confirm|reject.

    PUT /simulator/credentials/{id} {"common_name", "organisation", "behaviour", ...}
    GET /simulator/credentials/{id}  -> its settings and how many confirmations it gave

It also serves a SIMULATED RFC 3161 timestamp authority at POST /tsa (signatures timestamped
there are PAdES B-T), whose certificate the same CA issues.

Keys are made in memory; certificates are issued by the CA given (the development CA, so the
deployment's trust list holds it), or by a CA of the simulator's own. Run it alone with

    python -m vanthu_runtime.signing.remote_simulator --port 8190 [--ca-dir .local/signing/ca]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import sys
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from fastapi import FastAPI, HTTPException, Request, Response, status
from pydantic import BaseModel, Field
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from vanthu_runtime.signing.cms import signed_data
from vanthu_runtime.signing.dev_ca import DevCa, issue, load_or_make_ca, make_ca

Behaviour = Literal["confirm", "reject", "ignore", "revoked", "manual"]
State = Literal["waiting", "confirmed", "rejected", "timed_out", "certificate_revoked"]


class CredentialSettings(BaseModel):
    common_name: str = Field(min_length=1, max_length=200)
    organisation: str = Field(default="", max_length=200)
    behaviour: Behaviour = "confirm"
    confirm_after_s: float = Field(default=0.0, ge=0)
    expires_after_s: float = Field(default=300.0, gt=0)
    batch_limit: int = Field(default=50, ge=1)


class CredentialView(CredentialSettings):
    credential_id: str
    confirmations: int


class HashToSign(BaseModel):
    id: str = Field(min_length=1, max_length=100)
    sha256: str = Field(min_length=1, max_length=100, description="base64 of 32 bytes")


class SignatureRequest(BaseModel):
    credential_id: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    hashes: list[HashToSign] = Field(min_length=1)


class SignatureOut(BaseModel):
    id: str
    cms: str


class TransactionView(BaseModel):
    transaction_id: str
    state: State
    reason: str | None = None
    expires_at: datetime
    signatures: list[SignatureOut] = []


class CertificateOut(BaseModel):
    certificate: str


@dataclass
class Credential:
    settings: CredentialSettings
    key: rsa.RSAPrivateKey
    certificate_der: bytes
    confirmations: int = 0


@dataclass
class Transaction:
    transaction_id: str
    credential_id: str
    digests: dict[str, bytes]
    created_at: datetime
    expires_at: datetime
    state: State = "waiting"
    reason: str | None = None
    signatures: list[SignatureOut] = field(default_factory=list)
    decision: Literal["confirm", "reject"] | None = None


@dataclass
class Simulator:
    ca: DevCa
    credentials: dict[str, Credential] = field(default_factory=dict)
    transactions: dict[str, Transaction] = field(default_factory=dict)

    def put_credential(self, credential_id: str, settings: CredentialSettings) -> Credential:
        held = self.credentials.get(credential_id)
        if held is not None and held.settings.common_name == settings.common_name:
            held.settings = settings
            return held
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        certificate = issue(
            self.ca, key.public_key(), settings.common_name, settings.organisation or "-"
        )
        made = Credential(settings, key, certificate.public_bytes(serialization.Encoding.DER))
        self.credentials[credential_id] = made
        return made

    async def advance(self, transaction: Transaction) -> None:
        if transaction.state != "waiting":
            return
        credential = self.credentials[transaction.credential_id]
        behaviour = credential.settings.behaviour
        now = datetime.now(UTC)
        due = transaction.created_at + timedelta(seconds=credential.settings.confirm_after_s)
        if behaviour == "reject" or transaction.decision == "reject":
            transaction.state, transaction.reason = "rejected", "người ký từ chối trên điện thoại"
        elif (behaviour == "confirm" and now >= due) or transaction.decision == "confirm":
            await self._sign(credential, transaction)
        elif now >= transaction.expires_at:
            transaction.state = "timed_out"
            transaction.reason = "người ký không xác nhận trong thời hạn"

    async def _sign(self, credential: Credential, transaction: Transaction) -> None:
        async def raw_sign(data: bytes) -> bytes:
            return credential.key.sign(data, padding.PKCS1v15(), hashes.SHA256())

        for hash_id, digest in transaction.digests.items():
            cms = await signed_data(credential.certificate_der, raw_sign, digest)
            transaction.signatures.append(
                SignatureOut(id=hash_id, cms=base64.b64encode(cms).decode())
            )
        transaction.state = "confirmed"
        credential.confirmations += 1


def _view(transaction: Transaction) -> TransactionView:
    return TransactionView(
        transaction_id=transaction.transaction_id,
        state=transaction.state,
        reason=transaction.reason,
        expires_at=transaction.expires_at,
        signatures=transaction.signatures if transaction.state == "confirmed" else [],
    )


def create_simulator(ca: DevCa | None = None) -> FastAPI:
    simulator = Simulator(ca or make_ca("vanthu Remote Signing SIMULATOR CA"))
    app = FastAPI(
        title="Remote signing SIMULATOR (not a real provider)",
        description="Simulates a CA's remote hash-signing service, for tests and the demo.",
    )
    app.state.simulator = simulator
    timestamper = _timestamp_authority(simulator.ca)

    @app.post("/tsa", response_class=Response)
    async def timestamp(request: Request) -> Response:
        """RFC 3161 over HTTP: a TimeStampReq in, a TimeStampResp out (DER)."""
        try:
            asked = tsp.TimeStampReq.load(await request.body())
            answer = await timestamper.async_request_tsa_response(asked)
        except (ValueError, KeyError) as exc:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, detail="not a TimeStampReq") from exc
        return Response(answer.dump(), media_type="application/timestamp-reply")

    def credential_of(credential_id: str) -> Credential:
        found = simulator.credentials.get(credential_id)
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="unknown credential")
        return found

    @app.put("/simulator/credentials/{credential_id}")
    async def put_credential(credential_id: str, settings: CredentialSettings) -> CredentialView:
        made = simulator.put_credential(credential_id, settings)
        return CredentialView(
            **made.settings.model_dump(),
            credential_id=credential_id,
            confirmations=made.confirmations,
        )

    @app.get("/simulator/credentials/{credential_id}")
    async def get_credential(credential_id: str) -> CredentialView:
        found = credential_of(credential_id)
        return CredentialView(
            **found.settings.model_dump(),
            credential_id=credential_id,
            confirmations=found.confirmations,
        )

    @app.post("/simulator/transactions/{transaction_id}/{decision}")
    async def decide(
        transaction_id: str, decision: Literal["confirm", "reject"]
    ) -> TransactionView:
        transaction = simulator.transactions.get(transaction_id)
        if transaction is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="unknown transaction")
        transaction.decision = decision
        await simulator.advance(transaction)
        return _view(transaction)

    @app.get("/v1/credentials/{credential_id}/certificate")
    async def certificate(credential_id: str) -> CertificateOut:
        found = credential_of(credential_id)
        return CertificateOut(certificate=base64.b64encode(found.certificate_der).decode())

    @app.post("/v1/signatures", status_code=status.HTTP_201_CREATED)
    async def submit(request: SignatureRequest) -> TransactionView:
        credential = credential_of(request.credential_id)
        if len(request.hashes) > credential.settings.batch_limit:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_ENTITY,
                detail=f"at most {credential.settings.batch_limit} hashes per confirmation",
            )
        digests = {}
        for item in request.hashes:
            digest = base64.b64decode(item.sha256)
            if len(digest) != hashlib.sha256().digest_size:
                raise HTTPException(
                    status.HTTP_422_UNPROCESSABLE_ENTITY, detail=f"hash {item.id}: not SHA-256"
                )
            digests[item.id] = digest
        now = datetime.now(UTC)
        transaction = Transaction(
            transaction_id=str(uuid.uuid4()),
            credential_id=request.credential_id,
            digests=digests,
            created_at=now,
            expires_at=now + timedelta(seconds=credential.settings.expires_after_s),
        )
        if credential.settings.behaviour == "revoked":
            transaction.state = "certificate_revoked"
            transaction.reason = "chứng thư số của người ký đã bị thu hồi"
        simulator.transactions[transaction.transaction_id] = transaction
        await simulator.advance(transaction)
        return _view(transaction)

    @app.get("/v1/signatures/{transaction_id}")
    async def poll(transaction_id: str) -> TransactionView:
        transaction = simulator.transactions.get(transaction_id)
        if transaction is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="unknown transaction")
        await simulator.advance(transaction)
        return _view(transaction)

    return app


def _timestamp_authority(ca: DevCa) -> DummyTimeStamper:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certificate = issue(
        ca, key.public_key(), "vanthu Timestamp Authority SIMULATOR", "-", timestamping=True
    )
    return DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
    )


def main(argv: list[str]) -> int:
    import uvicorn

    parser = argparse.ArgumentParser(description="Remote signing SIMULATOR (tests and demo)")
    parser.add_argument("--port", type=int, default=8190)
    parser.add_argument("--ca-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    ca = load_or_make_ca(args.ca_dir, "vanthu Development CA") if args.ca_dir else None
    uvicorn.run(create_simulator(ca), host="127.0.0.1", port=args.port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
