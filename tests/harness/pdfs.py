"""Small valid PDFs for tests and benchmarks: cheap to build, no OCR needed, unique every time."""

from __future__ import annotations

import secrets


def one_page_pdf(padding: int = 0) -> bytes:
    """A valid one-page PDF, unique by a random comment (so intake never sees a duplicate), padded
    with an unreferenced stream of `padding` random bytes when a benchmark wants a bigger scan."""
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>",
    ]
    if padding > 0:
        filler = secrets.token_bytes(padding)
        objects.append(b"<</Length %d>>stream\n" % len(filler) + filler + b"\nendstream")
    out = bytearray(b"%PDF-1.7\n%" + secrets.token_hex(8).encode() + b"\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
