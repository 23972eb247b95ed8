import re
from datetime import date
from pathlib import Path

from vanthu_intake.domain import legacy_import
from vanthu_intake.domain.legacy_import import parse_legacy_export, parse_scan_manifest
from vanthu_intake.domain.markings import Confidentiality, Urgency

FORMAT_DOC = Path(__file__).parents[2] / "docs" / "legacy-export-format.md"


def example(language: str) -> str:
    text = FORMAT_DOC.read_text(encoding="utf-8")
    match = re.search(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)
    assert match is not None, f"no {language} example in {FORMAT_DOC.name}"
    return match.group(1)


def manifest_section() -> str:
    text = FORMAT_DOC.read_text(encoding="utf-8")
    return text.split("## 2. Bulk scan import", 1)[1]


def test_the_documented_export_example_imports_cleanly() -> None:
    report = parse_legacy_export(example("jsonl").splitlines(), today=date(2026, 3, 10))
    assert report.ok, report.problems
    first, second = (line.record for line in report.records)
    assert first.metadata.urgency is Urgency.URGENT
    assert second.metadata.confidentiality is Confidentiality.CONFIDENTIAL


def test_the_documented_manifest_example_imports_cleanly() -> None:
    report = parse_scan_manifest(
        example("csv"), folder_files=["001.pdf", "2026-03/002.tif"], today=date(2026, 3, 10)
    )
    assert report.ok, report.problems
    assert [row.entry.file for row in report.rows] == ["001.pdf", "2026-03/002.tif"]


def test_the_documented_columns_are_the_ones_the_parser_knows() -> None:
    documented = set(
        re.findall(r"^\| `(\w+)` \| (?:yes|no|when confidential) \|", manifest_section(), re.M)
    )
    known = set(legacy_import.SCAN_MANIFEST_REQUIRED_COLUMNS) | set(
        legacy_import.SCAN_MANIFEST_OPTIONAL_COLUMNS
    )
    assert documented == known


def test_the_module_docstring_lists_every_manifest_column() -> None:
    docstring = legacy_import.__doc__ or ""
    for column in (
        *legacy_import.SCAN_MANIFEST_REQUIRED_COLUMNS,
        *legacy_import.SCAN_MANIFEST_OPTIONAL_COLUMNS,
    ):
        assert f"``{column}``" in docstring, column
