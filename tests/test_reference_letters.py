"""The two reference letters, reproduced from data by `saraban new letter --data … --issue`.

The DOCX text (headers, body, tables) is compared with the reference text paragraph by
paragraph, whitespace-normalised. The references were extracted from PDFs: their extraction
artifacts and their errors are listed below as known differences, each with the reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SHARED, run_cli
from docxtext import normalise, visible_paragraphs

#: The reference texts, kept with the tests (their origin and licence: the folder's README.md).
REFERENCES = Path(__file__).resolve().parent / "data" / "reference-letters"
NAMES = ("000_61fe1430b155f950.txt", "003_3f8e41013a775edc.txt")

# Known differences, reference side: (kind, reference text, what we have instead or None, why)
KNOWN_000 = [
    ("drop", "- สำนักงานปลัด", "routing note stamped on the received copy, not part of the letter"),
    ("drop", "- ส่วนการคลัง", "routing note on the received copy"),
    ("drop", "- ส่วนโยธา", "routing note on the received copy"),
    ("drop", "- ส่วนการศึกษา ศาสนาและวัฒนธรรม", "routing note on the received copy"),
    ("drop", "๗๒. ดำเนินการ...", "page-break continuation marker (PDF page furniture), garbled"),
]
FIX_000 = [
    ("อ้างอิง ", "อ้างถึง ", "the regulation's label for references is อ้างถึง"),
    ("ธนาคารกรุงเทพ", "ธนาคารกรุงไทย", "the letter means Krungthai Bank (KTB Corporate Online)"),
    ("นายอำเภอปรางค์", "นายอำเภอปักธงชัย", "the signer comes from the office profile"),
]
# PDF line wrapping split these paragraphs: joined back into one (the quantity, "จำนวน ๑ ฉบับ",
# stands on a line of its own in the original, as in ours)
JOIN_000 = [
    (
        "สิ่งที่ส่งมาด้วย สำเนาหนังสือจังหวัดนครราชสีมา ที่ นม ๐๐๒๓.๕/ว ๒๗๘๒",
        "ลงวันที่ ๒๕ เมษายน ๒๕๖๖",
    ),
]
KNOWN_003 = [
    ("drop", "/๑.๒.๒ สำหรับ...", "page-break continuation marker (PDF page furniture)"),
]

PAGE_NUMBER = "- ๒ -"  # our header on pages 2+ (a PAGE field); the PDF extraction has none


def reference_paragraphs(name: str, known, fixes, joins) -> list[str]:
    lines = [
        normalise(line) for line in (REFERENCES / name).read_text(encoding="utf-8").splitlines()
    ]
    lines = [line for line in lines if line]
    dropped = {text for _, text, _ in known}
    lines = [line for line in lines if line not in dropped]
    lines = [line[2:] if line.startswith("- ") else line for line in lines]  # "- " bullet artifacts
    for group in joins:
        i = lines.index(group[0])
        assert lines[i : i + len(group)] == list(group)
        lines[i : i + len(group)] = [" ".join(group)]
    out = []
    for line in lines:
        for old, new, _ in fixes:
            line = line.replace(old, new)
        out.append(line)
    return out


def produced_paragraphs(path: Path) -> list[str]:
    return [p for p in visible_paragraphs(path) if p != PAGE_NUMBER]


def issue(ws: Path, data: str, date: str, year_be: str, next_number: str) -> Path:
    assert (
        run_cli(
            "register",
            "start",
            "--circular",
            "--year",
            year_be,
            "--next",
            next_number,
            workspace=ws,
        ).code
        == 0
    )
    result = run_cli(
        "new", "letter", "--data", str(ws / data), "--date", date, "--issue", workspace=ws
    )
    assert result.code == 0, result.err
    path = ws / result.out.strip().splitlines()[-1]
    assert path.suffix == ".docx"
    return path


def test_reference_003_reproduced(dla: Path) -> None:
    path = issue(dla, "reference-003.yaml", "2025-03-25", "2568", "36")
    expected = reference_paragraphs("003_3f8e41013a775edc.txt", KNOWN_003, [], [])
    assert produced_paragraphs(path) == expected


def test_reference_000_reproduced(district: Path) -> None:
    path = issue(district, "reference-000.yaml", "2023-04-28", "2566", "598")
    expected = reference_paragraphs("000_61fe1430b155f950.txt", KNOWN_000, FIX_000, JOIN_000)
    assert produced_paragraphs(path) == expected


def test_reference_000_signer_is_the_office_s_own(district: Path) -> None:
    """The reference's signer block says another district; ours cannot."""
    path = issue(district, "reference-000.yaml", "2023-04-28", "2566", "598")
    text = produced_paragraphs(path)
    assert "นายอำเภอปักธงชัย" in text
    assert not any("ปรางค์" in p for p in text)


def test_known_differences_are_really_in_the_reference() -> None:
    """Every listed artifact or error is in the reference: the lists cannot hide real text."""
    for name, drops, fixes in (
        ("000_61fe1430b155f950.txt", KNOWN_000, FIX_000),
        ("003_3f8e41013a775edc.txt", KNOWN_003, []),
    ):
        lines = {
            normalise(line) for line in (REFERENCES / name).read_text(encoding="utf-8").splitlines()
        }
        text = (REFERENCES / name).read_text(encoding="utf-8")
        for _, dropped, _ in drops:
            assert dropped in lines, dropped
        for old, _, _ in fixes:
            assert old in text, old


@pytest.mark.skipif(
    not (SHARED / "reference-letters").is_dir(),
    reason="../shared/reference-letters (the copies' source, outside the repository) is absent",
)
def test_copies_match_the_shared_reference_letters() -> None:
    """tests/data keeps copies of the shared reference texts: they must not drift apart."""
    for name in NAMES:
        shared = (SHARED / "reference-letters" / name).read_bytes()
        assert (REFERENCES / name).read_bytes() == shared, name
