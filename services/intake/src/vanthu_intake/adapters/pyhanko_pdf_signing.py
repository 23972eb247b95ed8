"""Signing outgoing PDFs with pyHanko (PAdES), at the places ND 30 Phụ lục I gives them.

The person signs first, with a certification signature that permits form filling and signing
(DocMDP 2), into a document that gets three empty fields in the same revision: the number
("Số: …") and the date line on the first page, and the agency's signature field over the left
third of the person's on the last page. The clerk's update fills the two text fields and signs
the agency's field: both are changes the person's signature permits, so both signatures verify
afterwards (pyHanko's difference analysis reports FORM_FILLING, poppler's pdfsig "valid").
The keys are behind the `Signer` port: the document digest goes out, a CMS comes back.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from asn1crypto import cms, x509
from PIL import Image, ImageDraw, ImageFont
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.form_tools import populate_static_text_field
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.stamp import StaticStampStyle, TextStampStyle
from pyhanko_certvalidator import ValidationContext
from vanthu_runtime.signing import Signer, SigningFailed

from vanthu_intake.domain.vietnam_time import VIETNAM
from vanthu_intake.ports import PersonalStamp, SignatureReport, UnreadablePdf

# fontTools says so of DejaVu's FFTM table on every subset; nothing is wrong with the output.
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)

FONTS = Path("/usr/share/fonts/truetype/dejavu")
SANS = FONTS / "DejaVuSans.ttf"
SANS_BOLD = FONTS / "DejaVuSans-Bold.ttf"
SERIF = FONTS / "DejaVuSerif.ttf"

NUMBER_FIELD = "so_ky_hieu"
DATE_FIELD = "ngay_thang_nam"
PERSON_FIELD = "chu_ky_nguoi_co_tham_quyen"
AGENCY_FIELD = "chu_ky_co_quan"
TOP_RIGHT_FIELD = "chu_ky_co_quan_goc_phai"

# A4 in points. Phụ lục I: the number under the agency's name (left), the place and date under
# the motto (right), the signature block bottom right; the seal over its left third.
PAGE_HEIGHT = 842.0
NUMBER_BOX = (57.0, 722.0, 290.0, 742.0)
DATE_BOX = (300.0, 722.0, 565.0, 742.0)
PERSON_BOX = (320.0, 90.0, 560.0, 200.0)
SEAL_BOX = (280.0, 80.0, 400.0, 200.0)
# The agency's signature on an appendix file or a converted paper document: top right of the
# first page, text only (Phụ lục I).
TOP_RIGHT_BOX = (345.0, 770.0, 575.0, 832.0)


@dataclass(frozen=True)
class FieldPlacement:
    """Where the clerk's fields and the signatures go: the number and date on `fields_page`,
    the person's signature and the agency's over its left third on the last page."""

    fields_page: int
    number_box: tuple[float, float, float, float]
    date_box: tuple[float, float, float, float]
    person_box: tuple[float, float, float, float]
    seal_box: tuple[float, float, float, float]


OUTGOING_PLACEMENT = FieldPlacement(0, NUMBER_BOX, DATE_BOX, PERSON_BOX, SEAL_BOX)
# A copy's form block is a page of its own after the copied pages: its number and date lines
# under the copying agency's name and the kind, the signature block under them.
COPY_PLACEMENT = FieldPlacement(
    -1, NUMBER_BOX, DATE_BOX, (320.0, 560.0, 560.0, 690.0), (280.0, 550.0, 400.0, 690.0)
)

BYTES_RESERVED = 24_576
"""Room for a CMS with its certificate and, with a timestamp authority, a timestamp token."""


class ThousandUnitGlyphAccumulator(GlyphAccumulator):
    """pyHanko writes glyph widths in font units, which PDF reads as thousandths of an em: right
    for fonts of 1000 units per em, twice too wide for DejaVu's 2048 (letters drawn spaced
    out). Shaping at 1000 units and widths scaled to them make both agree."""

    def __init__(self, writer: BasePdfFileWriter, font_handle: BinaryIO, font_size: int) -> None:
        super().__init__(writer, font_handle, font_size)
        self._to_thousand = 1000 / self.units_per_em
        self.hb_font.scale = (1000, 1000)
        self.units_per_em = 1000

    def _get_cid_and_width(self, glyph_id: int) -> tuple[int, int]:
        cached = self._glyphs.get(glyph_id)
        if cached is not None:
            return cached
        cid, width = super()._get_cid_and_width(glyph_id)
        self._glyphs[glyph_id] = result = (cid, round(width * self._to_thousand))
        return result


@dataclass(frozen=True)
class ThousandUnitFonts(GlyphAccumulatorFactory):
    def create_font_engine(
        self, writer: BasePdfFileWriter, obj_stream: Any = None
    ) -> GlyphAccumulator:
        # read whole: an open file handle would stay open for the accumulator's life
        font = io.BytesIO(Path(self.font_file).read_bytes())
        return ThousandUnitGlyphAccumulator(writer, font, self.font_size)


def _name(value: str) -> generic.NameObject:
    return generic.NameObject(value)


def _has_field(writer: IncrementalPdfFileWriter, name: str) -> bool:
    form = writer.root.get("/AcroForm")
    if form is None:
        return False
    return any(f.get_object().get("/T") == name for f in form.get_object().get("/Fields", []))


def _add_text_field(
    writer: IncrementalPdfFileWriter, name: str, box: tuple[float, ...], page: int = 0
) -> None:
    """An empty, combined text field and widget on `page` (-1: the last). It has no /P: a
    widget's back-pointer to its page makes every later change of it look, to the difference
    analysis, like a change of the page."""
    if page:
        page_ref = writer.find_page_for_modification(page)[0]
    else:
        page_ref = writer.root["/Pages"]["/Kids"][0]
    widget = generic.DictionaryObject(
        {
            _name("/Type"): _name("/Annot"),
            _name("/Subtype"): _name("/Widget"),
            _name("/FT"): _name("/Tx"),
            _name("/T"): generic.TextStringObject(name),
            _name("/Rect"): generic.ArrayObject([generic.FloatObject(v) for v in box]),
            _name("/F"): generic.NumberObject(4),
            _name("/DA"): generic.pdf_string("/Helv 11 Tf 0 g"),
        }
    )
    ref = writer.add_object(widget)
    page = page_ref.get_object()
    annots = page.get("/Annots")
    if annots is None:
        page[_name("/Annots")] = generic.ArrayObject([ref])
    else:
        annots.get_object().append(ref)
    writer.update_container(page)
    if "/AcroForm" not in writer.root:
        writer.root[_name("/AcroForm")] = writer.add_object(
            generic.DictionaryObject({_name("/Fields"): generic.ArrayObject()})
        )
        writer.update_root()
    form = writer.root["/AcroForm"].get_object()
    form["/Fields"].append(ref)
    writer.update_container(form)


def _prepare_fields(writer: IncrementalPdfFileWriter, placement: FieldPlacement) -> None:
    """The clerk's fields, unless the agency's template already has them."""
    if not _has_field(writer, NUMBER_FIELD):
        _add_text_field(writer, NUMBER_FIELD, placement.number_box, placement.fields_page)
    if not _has_field(writer, DATE_FIELD):
        _add_text_field(writer, DATE_FIELD, placement.date_box, placement.fields_page)
    if not _has_field(writer, AGENCY_FIELD):
        fields.append_signature_field(
            writer, fields.SigFieldSpec(AGENCY_FIELD, on_page=-1, box=placement.seal_box)
        )


def stamp_text(stamp: PersonalStamp, signed_at: datetime) -> str:
    shown = signed_at.astimezone(VIETNAM)
    lines = [stamp.competence.upper()] if stamp.competence else []
    lines += [stamp.position.upper(), "", stamp.full_name]
    lines.append(f"Ký số: {shown:%d/%m/%Y %H:%M:%S} (GMT+7)")
    return "\n".join(lines)


def seal_image(agency_name: str) -> Image.Image:
    """The agency's seal as ND 30 draws it, red on transparent. A drawn one: the agency's own
    scanned seal is a configuration this first version does not have yet."""
    size, red = 600, (206, 17, 38, 255)
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, size - 8, size - 8), outline=red, width=22)
    draw.ellipse((120, 120, size - 120, size - 120), outline=red, width=8)
    font = ImageFont.truetype(str(SANS_BOLD), 34)
    words, lines, line = agency_name.upper().split(), [], ""
    for word in words:
        if line and draw.textlength(f"{line} {word}", font=font) > size - 280:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    top = size / 2 - 22 * len(lines)
    for index, text in enumerate(lines):
        draw.text((size / 2, top + 44 * index), text, fill=red, font=font, anchor="mt")
    return image


class PyhankoPdfSigning:
    def __init__(self, trust_roots: list[x509.Certificate]) -> None:
        self._trust_roots = trust_roots

    async def sign_personally(
        self,
        pdfs: Sequence[bytes],
        stamp: PersonalStamp,
        signer: Signer,
        key_ref: str,
        description: str,
        placement: FieldPlacement = OUTGOING_PLACEMENT,
    ) -> list[bytes]:
        certificate = x509.Certificate.load(await signer.certificate(key_ref))
        signed_at = datetime.now(UTC)
        style = TextStampStyle(
            stamp_text="%(block)s",
            # room between lines for the stacked diacritics of Vietnamese (Ủ, Ặ, Ễ)
            text_box_style=TextBoxStyle(font=ThousandUnitFonts(str(SANS), font_size=9), leading=14),
            border_width=0,
            inner_content_layout=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MID
            ),
        )
        meta = signers.PdfSignatureMetadata(
            field_name=PERSON_FIELD,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            certify=True,
            docmdp_permissions=fields.MDPPerm.FILL_FORMS,
            name=stamp.full_name,
        )
        pending = []
        for pdf in pdfs:
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
            _prepare_fields(writer, placement)
            pdf_signer = signers.PdfSigner(
                meta,
                signer=_placeholder(certificate),
                stamp_style=style,
                new_field_spec=fields.SigFieldSpec(
                    PERSON_FIELD, on_page=-1, box=placement.person_box
                ),
            )
            pending.append(
                await pdf_signer.async_digest_doc_for_signing(
                    writer,
                    bytes_reserved=BYTES_RESERVED,
                    appearance_text_params={"block": stamp_text(stamp, signed_at)},
                )
            )
        signatures = await signer.sign_digests(
            key_ref, [p[0].document_digest for p in pending], description=description
        )
        return [
            await _finish(prepared, output, signature)
            for (prepared, _, output), signature in zip(pending, signatures, strict=True)
        ]

    async def seal(
        self,
        pdf: bytes,
        number_text: str,
        date_text: str,
        seal_of: str,
        signer: Signer,
        key_ref: str,
    ) -> bytes:
        certificate = x509.Certificate.load(await signer.certificate(key_ref))
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        # centred in the field's height: at its bottom the descenders (g, y, Đ's bar) are cut
        text = TextBoxStyle(
            font=ThousandUnitFonts(str(SERIF), font_size=12),
            box_layout_rule=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MID
            ),
        )
        try:
            populate_static_text_field(writer, NUMBER_FIELD, text, number_text)
            populate_static_text_field(writer, DATE_FIELD, text, date_text)
        except PdfError as exc:
            raise SigningFailed(key_ref, f"the document has no empty number fields: {exc}") from exc
        image = await asyncio.to_thread(seal_image, seal_of)
        pdf_signer = signers.PdfSigner(
            signers.PdfSignatureMetadata(
                field_name=AGENCY_FIELD,
                md_algorithm="sha256",
                subfilter=fields.SigSeedSubFilter.PADES,
                name=seal_of,
            ),
            signer=_placeholder(certificate),
            stamp_style=StaticStampStyle(background=PdfImage(image), border_width=0),
        )
        prepared, _, output = await pdf_signer.async_digest_doc_for_signing(
            writer, existing_fields_only=True, bytes_reserved=BYTES_RESERVED
        )
        (signature,) = await signer.sign_digests(
            key_ref, [prepared.document_digest], description=f"{seal_of}: {number_text}"
        )
        return await _finish(prepared, output, signature)

    async def sign_copy(
        self, pdf: bytes, stamp: PersonalStamp, signer: Signer, key_ref: str, description: str
    ) -> bytes:
        (signed,) = await self.sign_personally(
            [pdf], stamp, signer, key_ref, description, placement=COPY_PLACEMENT
        )
        return signed

    async def sign_top_right(
        self, pdf: bytes, text: str, seal_of: str, signer: Signer, key_ref: str
    ) -> bytes:
        certificate = x509.Certificate.load(await signer.certificate(key_ref))
        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
            if writer.security_handler is not None:
                raise UnreadablePdf("the PDF is password-protected")
        except PdfError as exc:
            raise UnreadablePdf(str(exc)) from exc
        style = TextStampStyle(
            stamp_text="%(mark)s",
            text_box_style=TextBoxStyle(
                font=ThousandUnitFonts(str(SERIF), font_size=8), leading=11
            ),
            border_width=0,
            inner_content_layout=layout.SimpleBoxLayoutRule(
                x_align=layout.AxisAlignment.ALIGN_MIN, y_align=layout.AxisAlignment.ALIGN_MID
            ),
        )
        pdf_signer = signers.PdfSigner(
            signers.PdfSignatureMetadata(
                field_name=TOP_RIGHT_FIELD,
                md_algorithm="sha256",
                subfilter=fields.SigSeedSubFilter.PADES,
                name=seal_of,
            ),
            signer=_placeholder(certificate),
            stamp_style=style,
            new_field_spec=fields.SigFieldSpec(TOP_RIGHT_FIELD, on_page=0, box=TOP_RIGHT_BOX),
        )
        prepared, _, output = await pdf_signer.async_digest_doc_for_signing(
            writer, bytes_reserved=BYTES_RESERVED, appearance_text_params={"mark": text}
        )
        (signature,) = await signer.sign_digests(
            key_ref, [prepared.document_digest], description=f"{seal_of}: {text.splitlines()[0]}"
        )
        return await _finish(prepared, output, signature)

    async def report(self, pdf: bytes) -> list[SignatureReport]:
        try:
            embedded_signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
        except (PdfError, ValueError, KeyError):
            return []  # not a PDF pyHanko can read (an encrypted incoming one): no signatures
        reports = []
        for embedded in embedded_signatures:
            context = ValidationContext(trust_roots=self._trust_roots, allow_fetching=False)
            cert = embedded.signer_cert
            try:
                status = await async_validate_pdf_signature(
                    embedded, signer_validation_context=context
                )
            except (SignatureValidationError, PdfError, ValueError):
                reports.append(_broken(embedded.field_name, cert))
                continue
            level = status.modification_level
            reports.append(
                SignatureReport(
                    field_name=embedded.field_name,
                    signer=cert.subject.human_friendly,
                    issuer=cert.issuer.human_friendly,
                    serial_number=format(cert.serial_number, "X"),
                    signed_at=status.signer_reported_dt,
                    intact=bool(status.intact and status.valid),
                    trusted=bool(status.trusted),
                    changes_after=_CHANGES.get(level, "other") if level else "none",
                    changes_permitted=bool(status.docmdp_ok) and level in (None, *_PERMITTED),
                    level="B-T" if status.timestamp_validity is not None else "B-B",
                    timestamped_at=status.timestamp_validity.timestamp
                    if status.timestamp_validity is not None
                    else None,
                )
            )
        return reports


_CHANGES = {
    ModificationLevel.NONE: "none",
    ModificationLevel.LTA_UPDATES: "none",
    ModificationLevel.FORM_FILLING: "form_filling",
    ModificationLevel.ANNOTATIONS: "annotations",
    ModificationLevel.OTHER: "other",
}
_PERMITTED = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES, ModificationLevel.FORM_FILLING)


def _broken(field_name: str, cert: x509.Certificate) -> SignatureReport:
    return SignatureReport(
        field_name=field_name,
        signer=cert.subject.human_friendly,
        issuer=cert.issuer.human_friendly,
        serial_number=format(cert.serial_number, "X"),
        signed_at=None,
        intact=False,
        trusted=False,
        changes_after="other",
        changes_permitted=False,
        level="B-B",
        timestamped_at=None,
    )


def _placeholder(certificate: x509.Certificate) -> signers.ExternalSigner:
    """Lets pyHanko lay out the signature for `certificate` before the key has signed."""
    size = certificate.public_key.bit_size // 8
    return signers.ExternalSigner(
        signing_cert=certificate, cert_registry=None, signature_value=bytes(size)
    )


async def _finish(prepared: Any, output: Any, signature: bytes) -> bytes:
    await PdfTBSDocument.async_finish_signing(output, prepared, cms.ContentInfo.load(signature))
    return bytes(output.getvalue())
