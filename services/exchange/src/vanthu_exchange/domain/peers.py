"""What this deployment knows of each peer agency's system, beyond the hub's directory (ADR 0050).

Set per peer agency in the connector's settings (``VANTHU_EXCHANGE_PEERS``), because each is
this deployment's own decision about a peer: whether it trusts an unsigned package from it,
whether the peer's software expects ZIP-wrapped attachments, whether the peer is on the VDXP test
environment. The hub's directory is written by the hub's operator and learned from peer hubs;
it must not be able to lower what a receiver requires.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PeerProfile:
    zip_attachments: bool = False
    """The peer runs a vendor library that zips every file but pdf, doc, docx, xls and zip, and
    expects ours zipped the same way when we send to it."""
    require_signature: bool | None = None
    """Whether a package from the peer must carry a valid XML-DSig signature; ``None`` is the
    connector's default. Where false, the SDK's template ``Signature`` block (no XML-DSig
    namespace, a truncated certificate) is recorded ``unsigned`` and the package taken."""
    sdk_signature: bool = False
    """The peer signs the VPCP SDK's way (C14N 2001, rsa-sha1, one sha1 reference over the
    whole package) and expects packages so signed: ours to it are, and its SHA-1 signatures are
    accepted; from any other peer a SHA-1 signature is refused (ADR 0053)."""
    test_environment: bool = False
    """The peer is on the VDXP test environment, whose agency codes are lower-case
    (``vxp.saas.03``); such codes are read only from and for such a peer."""
