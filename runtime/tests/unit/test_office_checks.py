"""Word drafts are opened as the documents they claim to be (issue 16 item 6): a draft a
specialist uploads is kept only when it is a Word or OpenDocument text without macros, programs
or passwords, within limits; anything else is refused with a reason they can act on."""

from __future__ import annotations

import pytest
from harness import office_files
from vanthu_runtime.file_checks import FileRefused, RefusalKind
from vanthu_runtime.office_checks import check_word_document


@pytest.mark.parametrize(
    ("data", "declared"),
    [
        (office_files.docx(), office_files.DOCX),
        (office_files.odt(), office_files.ODT),
        (office_files.doc(), office_files.DOC),
    ],
    ids=["docx", "odt", "doc"],
)
def test_a_real_draft_is_accepted_as_what_it_is(data: bytes, declared: str) -> None:
    assert check_word_document(data, declared) == declared


@pytest.mark.parametrize(
    ("data", "declared", "kind", "says"),
    [
        (office_files.docm_named_docx(), office_files.DOCX, RefusalKind.ACTIVE_CONTENT, "macros"),
        (office_files.doc(macros=True), office_files.DOC, RefusalKind.ACTIVE_CONTENT, "macros"),
        (
            office_files.docx_with_program(),
            office_files.DOCX,
            RefusalKind.ACTIVE_CONTENT,
            "program",
        ),
        (office_files.doc(program=True), office_files.DOC, RefusalKind.ACTIVE_CONTENT, "program"),
        (office_files.docx_with_entities(), office_files.DOCX, RefusalKind.ACTIVE_CONTENT, "DTD"),
        (office_files.doc(encrypted=True), office_files.DOC, RefusalKind.ENCRYPTED, "password"),
        (office_files.docx_bomb(), office_files.DOCX, RefusalKind.TOO_BIG, "ZIP bomb"),
        (office_files.truncated_docx(), office_files.DOCX, RefusalKind.DAMAGED, "does not open"),
        (office_files.plain_zip(), office_files.DOCX, RefusalKind.UNSUPPORTED_TYPE, "ZIP archive"),
        (
            office_files.xlsx_named_docx(),
            office_files.DOCX,
            RefusalKind.UNSUPPORTED_TYPE,
            "spreadsheet",
        ),
        (
            office_files.xls_named_doc(),
            office_files.DOC,
            RefusalKind.UNSUPPORTED_TYPE,
            "spreadsheet",
        ),
        (
            office_files.docx(),
            office_files.DOC,
            RefusalKind.UNSUPPORTED_TYPE,
            "is a Word document (.docx)",
        ),
        (office_files.odt(), office_files.DOCX, RefusalKind.UNSUPPORTED_TYPE, "OpenDocument"),
        (
            b"%PDF-1.7\n",
            office_files.DOCX,
            RefusalKind.UNSUPPORTED_TYPE,
            "neither a ZIP nor an OLE2",
        ),
        (office_files.doc()[:600], office_files.DOC, RefusalKind.DAMAGED, "damaged"),
    ],
    ids=[
        "docm-as-docx",
        "doc-macros",
        "docx-embedded-exe",
        "doc-objectpool-exe",
        "docx-entities",
        "doc-encrypted",
        "docx-bomb",
        "docx-truncated",
        "plain-zip",
        "xlsx-as-docx",
        "xls-as-doc",
        "docx-as-doc",
        "odt-as-docx",
        "pdf-as-docx",
        "doc-truncated",
    ],
)
def test_what_only_looks_like_a_draft_is_refused_saying_why(
    data: bytes, declared: str, kind: RefusalKind, says: str
) -> None:
    with pytest.raises(FileRefused) as refused:
        check_word_document(data, declared, field="file")
    assert refused.value.kind is kind
    assert says in str(refused.value)
    assert refused.value.field == "file"
    assert refused.value.reason_vi  # the specialist's screen says it in Vietnamese


def test_refusals_map_to_the_http_status_of_their_kind() -> None:
    with pytest.raises(FileRefused) as bomb:
        check_word_document(office_files.docx_bomb(), office_files.DOCX)
    with pytest.raises(FileRefused) as wrong_type:
        check_word_document(office_files.plain_zip(), office_files.DOCX)
    with pytest.raises(FileRefused) as macros:
        check_word_document(office_files.docm_named_docx(), office_files.DOCX)
    assert (bomb.value.http_status, wrong_type.value.http_status, macros.value.http_status) == (
        413,
        415,
        422,
    )
