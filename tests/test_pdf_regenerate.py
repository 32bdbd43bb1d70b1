"""``--pdf`` on circulars (the combined PDF of all copies) and on ``saraban regenerate``.

In-process CLI runs share the process-wide LibreOffice pool, as in test_publish.py.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from conftest import EXAMPLES, needs_pdf, run_cli
from pypdf import PdfReader

from engine.pdf import default_converter, page_texts

pytestmark = needs_pdf

REFS = "dla-guideline: หนังสือกรมส่งเสริมการปกครองท้องถิ่น ที่ มท 0808.4/ว 0036 ลงวันที่ 25 มีนาคม 2568\n"
ITEM = (
    "๑.๒.๒ สำหรับผู้ใช้งานระบบ "
    + "ให้องค์กรปกครองส่วนท้องถิ่นตรวจสอบรหัสผู้ใช้งานและรหัสผ่านในระบบให้เป็นปัจจุบันและแจ้งผล " * 4
)


def mtimes(paths: list[Path]) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in paths}


def letter(ws: Path, name: str, *extra: str) -> Path:
    path = ws / f"{name}.yaml"
    path.write_text(
        f"to: นายกเทศมนตรีตำบลตะคุ\nsubject: เรื่อง {name}\nreferences:\n  - ref: dla-guideline\n"
        f"body: ข้อความของหนังสือ {name}\nsigner: district_chief\n",
        encoding="utf-8",
    )
    r = run_cli("new", "letter", "--data", str(path), "--date", "2025-03-05", "--issue", *extra,
                workspace=ws)  # fmt: skip
    assert r.code == 0, r.err
    return ws / r.out.splitlines()[2]


def test_regenerate_pdf_remakes_what_changed_and_only_that(district: Path) -> None:
    ws = district
    (ws / "references.yaml").write_text(REFS, encoding="utf-8")
    a = letter(ws, "a", "--pdf")  # with its PDF
    b = letter(ws, "b")  # without one
    c = letter(ws, "c", "--pdf")  # sent: never touched
    assert run_cli("advance", "3", "send", workspace=ws).code == 0
    pdf_a, pdf_b, pdf_c = (p.with_suffix(".pdf") for p in (a, b, c))
    assert pdf_a.is_file() and not pdf_b.exists() and pdf_c.is_file()
    assert "ว ๐๐๓๖" in "".join(page_texts(pdf_a))
    kept_c = (pdf_c.read_bytes(), pdf_c.stat().st_mtime_ns)

    (ws / "references.yaml").write_text(REFS.replace("0036", "0037"), encoding="utf-8")
    dry = json.loads(run_cli("regenerate", "--pdf", "--dry-run", "--json", workspace=ws).out)
    assert dry["pdfs"] == [f"letters/2568/{p.name}" for p in (pdf_a, pdf_b)]
    r = run_cli("regenerate", "--pdf", workspace=ws)
    assert r.code == 0, r.err
    assert "2 PDF(s) made" in r.out
    assert "needs a correction letter (already sent, not rewritten): case 3" in r.out
    text = "".join(page_texts(pdf_a))
    assert "ว ๐๐๓๗" in text and "ว ๐๐๓๖" not in text  # the PDF shows the new reference
    assert "ว ๐๐๓๗" in "".join(page_texts(pdf_b))  # missing before: made
    assert (pdf_c.read_bytes(), pdf_c.stat().st_mtime_ns) == kept_c  # sent: untouched
    assert not list(ws.rglob("*.part*"))

    before = mtimes([a, b, pdf_a, pdf_b])
    again = run_cli("regenerate", "--pdf", workspace=ws)  # idempotent: nothing converted
    assert again.code == 0 and "0 regenerated" in again.out and "0 PDF(s) made" in again.out
    assert mtimes([a, b, pdf_a, pdf_b]) == before


def circular_ws(ws: Path, paragraphs: int) -> Path:
    """The example circular, its body lengthened so that each copy has two pages."""
    data = (EXAMPLES / "circular.yaml").read_text(encoding="utf-8")
    extra = "".join(f"\n  {ITEM}\n" for _ in range(paragraphs))
    data = data.replace("\nclosing:", extra + "closing:")
    (ws / "circular.yaml").write_text(data, encoding="utf-8")
    (ws / "examples").mkdir()
    shutil.copy(EXAMPLES / "recipients.csv", ws / "examples" / "recipients.csv")
    shutil.copy(EXAMPLES / "references.yaml", ws / "references.yaml")
    return ws


def test_circular_pdf_combines_every_copy_with_a_bookmark_each(district: Path) -> None:
    ws = circular_ws(district, paragraphs=4)
    r = run_cli(
        "new", "circular", "--data", str(ws / "circular.yaml"), "--date", "2023-04-28",
        "--issue", "--pdf", "--quiet", workspace=ws,
    )  # fmt: skip
    assert r.code == 0, r.err
    year = ws / "letters" / "2566"
    master, combined = year / "circular-0001.pdf", year / "circular-0001-copies.pdf"
    assert r.out.splitlines()[-2:] == [
        "letters/2566/circular-0001.pdf",
        "letters/2566/circular-0001-copies.pdf",
    ]
    assert master.is_file() and "บัญชีรายชื่อแนบท้ายหนังสือ" in "".join(page_texts(master))

    rows = [
        line.split(",")[:2]
        for line in (ws / "examples" / "recipients.csv").read_text("utf-8-sig").splitlines()[1:]
    ]
    organisations = [org for org, _ in rows]
    reader = PdfReader(combined)
    outline = [(o.title, reader.get_destination_page_number(o)) for o in reader.outline]
    assert [title for title, _ in outline] == organisations  # one bookmark each, in order
    assert "/Dests" not in reader.trailer["/Root"]  # the copy destinations are gone

    # page count = the sum of the copies' own pages, each copy converted on its own
    copies = sorted((year / "circular-0001").glob("*.docx"))
    out = ws / "single"
    alone = default_converter().convert_many([(c, out / f"{c.stem}.pdf") for c in copies])
    lengths = [len(PdfReader(p).pages) for p in alone]
    assert set(lengths) == {2}  # the lengthened body: two pages per copy
    assert len(reader.pages) == sum(lengths)
    starts = [sum(lengths[:k]) for k in range(len(lengths))]
    assert [page for _, page in outline] == starts

    texts = page_texts(combined)
    for k, (start, copy) in enumerate(zip(starts, copies, strict=True)):
        first = texts[start].splitlines()
        salutation = next(line for line in page_texts(alone[k])[0].splitlines() if "เรียน" in line)
        assert salutation in first, (k, copy.name)  # copy k's first page: "เรียน <its addressee>"
        assert not any(re.fullmatch(r"-\s*[๐-๙]+\s*-", line) for line in first)
        last = texts[start + lengths[k] - 1].strip().splitlines()
        assert last[0] == "- ๒ -"  # page numbers restart with each copy
        assert not last[-1].startswith("/")  # no marker across the copy boundary
        assert first[-1].startswith("/") and first[-1].endswith("...")  # within the copy: one
    assert "เรียน นายกองค์การบริหารส่วนตำบลสระตะเคียน" in texts[starts[7]]

    # regenerate --pdf remakes the circular's PDFs when its DOCX files change, then nothing
    refs = ws / "references.yaml"
    refs.write_text(refs.read_text(encoding="utf-8").replace("2782", "2783"), encoding="utf-8")
    r = run_cli("regenerate", "--pdf", "--json", workspace=ws)
    assert r.code == 0, r.err
    report = json.loads(r.out)
    assert report["files_written"] == 27
    assert report["pdfs"] == [
        "letters/2566/circular-0001.pdf",
        "letters/2566/circular-0001-copies.pdf",
    ]
    assert "ว ๒๗๘๓" in page_texts(combined)[starts[-1]]
    assert len(PdfReader(combined).outline) == 25
    before = mtimes([master, combined])
    again = json.loads(run_cli("regenerate", "--pdf", "--json", workspace=ws).out)
    assert again["pdfs"] == [] and again["files_written"] == 0
    assert mtimes([master, combined]) == before
