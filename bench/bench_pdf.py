"""Benchmark: DOCX letters to PDF through the warm pool vs one soffice process per file; bundles.

    .venv/bin/python bench/bench_pdf.py [--letters 200] [--cold 12] [--workers 2] [--bundles 20]

Makes realistic one- to two-page Thai letters (python-docx, TH Sarabun New 16 pt, A4, the parts of
an external letter, text varied per letter), then prints letters/s for
  warm: engine.pdf.Converter with --workers soffice processes (started before the clock runs;
        the start-up is printed apart), and again with lean_docx=False,
  cold: `soffice --headless --convert-to pdf` once per file, --workers of them side by side (each
        lane with its own, already created profile, as a user's machine has), on --cold files,
        the rate extrapolated to all letters,
and the time to assemble a bundle (letter + PDF, DOCX and JPEG enclosures).
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from docx import Document  # noqa: E402
from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: E402
from docx.oxml import OxmlElement  # noqa: E402
from docx.oxml.ns import qn  # noqa: E402
from docx.shared import Cm, Pt  # noqa: E402
from PIL import Image  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from engine.fonts import install_fonts  # noqa: E402
from engine.pdf import Converter, Enclosure, build_bundle, find_soffice  # noqa: E402
from engine.thai import to_thai_digits  # noqa: E402

RECIPIENTS = [
    "ผู้ว่าราชการจังหวัด ทุกจังหวัด",
    "นายกเทศมนตรี ทุกเทศบาล",
    "นายกองค์การบริหารส่วนตำบล ทุกแห่ง",
    "นายอำเภอปักธงชัย",
    "ผู้อำนวยการสำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดนครราชสีมา",
]
SUBJECTS = [
    "การสมัครใช้บริการระบบรักษาความปลอดภัยแบบสองชั้นในระบบ KTB Corporate Online",
    "การควบคุมรหัสผู้ใช้งานและรหัสผ่านในระบบบัญชีคอมพิวเตอร์ขององค์กรปกครองส่วนท้องถิ่น (New e-LAAS)",
    "ขอความร่วมมือตอบแบบสำรวจความพร้อม",
    "แนวทางปฏิบัติในการเบิกจ่ายเงินงบประมาณ",
]
SENTENCES = [
    "ตามที่อำเภอได้แจ้งองค์กรปกครองส่วนท้องถิ่นให้นำแนวทางการปฏิบัติงานเพื่อป้องกันการทุจริตด้านการเงินการคลังไปปฏิบัติ",
    "โดยเฉพาะการสมัครใช้บริการระบบรักษาความปลอดภัยแบบสองชั้น (Two-Factor Authentication (2FA)) ความละเอียดตามหนังสือที่อ้างถึง นั้น",
    "เพื่อให้การดำเนินการเป็นไปตามหนังสือที่อ้างถึง จึงขอให้องค์กรปกครองส่วนท้องถิ่นตรวจสอบคำสั่งหรือหนังสือมอบหมายแต่งตั้งบุคคลที่ปฏิบัติหน้าที่เป็นผู้ดูแลระบบ",
    "หากพบว่าข้อมูลที่เกี่ยวข้อง เช่น อีเมล หมายเลขโทรศัพท์เคลื่อนที่ ไม่เป็นปัจจุบัน ให้ดำเนินการแก้ไขให้เป็นปัจจุบันโดยเร็ว",
    "ทั้งนี้ ขอให้ดำเนินการให้แล้วเสร็จภายในวันที่ ๒๖ พฤษภาคม ๒๕๖๖ เวลา ๑๖.๓๐ นาฬิกา หากพ้นกำหนดระยะเวลาดังกล่าวให้ติดต่อธนาคารโดยตรง",
    "สามารถสืบค้นข้อมูลเพิ่มเติมได้ที่เว็บไซต์ www.koratdla.go.th หรือสอบถามทางอีเมล corporate.contactcenter@krungthai.com",
]


def thai(n: int | str) -> str:
    return to_thai_digits(str(n))


def make_letter(path: Path, n: int, rng: random.Random) -> None:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "TH Sarabun New"
    style.font.size = Pt(16)
    style.paragraph_format.space_after = Pt(0)
    style.paragraph_format.line_spacing = 1.0
    rpr = style.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:cs"), "TH Sarabun New")
    size_cs = OxmlElement("w:szCs")
    size_cs.set(qn("w:val"), "32")
    rpr.append(size_cs)
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2)

    def para(text: str, align=None, indent: float | None = None, before: int = 0):
        p = doc.add_paragraph(text)
        if align is not None:
            p.alignment = align
        if indent is not None:
            p.paragraph_format.first_line_indent = Cm(indent)
        p.paragraph_format.space_before = Pt(before)
        return p

    para(f"ที่ มท ๐๘๐๘.๔/ว {thai(1000 + n)}")
    para("กรมส่งเสริมการปกครองท้องถิ่น", WD_ALIGN_PARAGRAPH.RIGHT)
    para("ถนนนครราชสีมา เขตดุสิต กทม. ๑๐๓๐๐", WD_ALIGN_PARAGRAPH.RIGHT)
    para(f"{thai(1 + n % 28)} พฤษภาคม ๒๕๖๘", WD_ALIGN_PARAGRAPH.CENTER, before=6)
    para(f"เรื่อง  {rng.choice(SUBJECTS)}", before=6)
    para(f"เรียน  {rng.choice(RECIPIENTS)}", before=6)
    para(f"อ้างถึง  หนังสือกรมส่งเสริมการปกครองท้องถิ่น ที่ มท ๐๘๐๘.๔/ว {thai(2000 + n)}", before=6)
    para("สิ่งที่ส่งมาด้วย  แบบการขอรหัสผู้ใช้งานและรหัสผ่าน จำนวน ๑ ฉบับ", before=6)
    for k in range(rng.randint(3, 9)):
        text = " ".join(rng.sample(SENTENCES, rng.randint(2, 4)))
        para(f"{thai(k + 1)}. {text}", indent=2.5, before=6)
    para("จึงเรียนมาเพื่อโปรดทราบและพิจารณาดำเนินการต่อไป", indent=2.5, before=6)
    para("ขอแสดงความนับถือ", WD_ALIGN_PARAGRAPH.CENTER, before=12)
    para(f"(นายสมชาย ใจดี {thai(n)})", WD_ALIGN_PARAGRAPH.CENTER, before=36)
    para("อธิบดีกรมส่งเสริมการปกครองท้องถิ่น", WD_ALIGN_PARAGRAPH.CENTER)
    para("สำนักบริหารการคลังท้องถิ่น", before=12)
    para("โทร. ๐ ๒๒๔๑ ๙๐๐๐ ต่อ ๑๖๐๗")
    doc.save(path)


def cold_convert(files: list[Path], out: Path, lanes: int) -> float:
    """One `soffice --convert-to pdf` process per file, `lanes` side by side; seconds taken."""
    soffice = find_soffice()
    profiles = [out / f"profile{i}" for i in range(lanes)]

    def run(lane: int, file: Path) -> None:
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={profiles[lane].as_uri()}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(out),
                str(file),
            ],
            check=True,
            capture_output=True,
        )

    for lane in range(lanes):  # create the profiles first: a user's machine already has one
        run(lane, files[0])
    started = time.perf_counter()
    with ThreadPoolExecutor(lanes) as pool:
        list(pool.map(lambda i: run(i % lanes, files[i]), range(len(files))))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--letters", type=int, default=200)
    parser.add_argument("--cold", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--bundles", type=int, default=20)
    args = parser.parse_args()
    install_fonts()
    work = Path(tempfile.mkdtemp(prefix="saraban-bench-"))
    try:
        rng = random.Random(2568)
        docs = []
        for n in range(args.letters):
            docs.append(work / f"letter{n:03}.docx")
            make_letter(docs[-1], n, rng)
        (work / "warm").mkdir()

        with Converter(args.workers) as converter:
            started = time.perf_counter()
            converter.convert_many([(docs[i], work / f"start{i}.pdf") for i in range(args.workers)])
            startup = time.perf_counter() - started
            started = time.perf_counter()
            outs = converter.convert_many([(d, work / "warm" / f"{d.stem}.pdf") for d in docs])
            warm = time.perf_counter() - started
            pages = [len(PdfReader(o).pages) for o in outs]
            print(
                f"letters: {len(docs)} ({min(pages)}-{max(pages)} pages, "
                f"{sum(pages) / len(pages):.2f} on average)"
            )
            print(f"warm pool of {args.workers}: start-up {startup:.2f} s, then {warm:.2f} s")
            warm_rate = len(docs) / warm

            bundle_times = bundle_bench(converter, work, outs[0], args.bundles)

        with Converter(args.workers, lean_docx=False) as converter:  # the DOCX as they are
            converter.convert_many([(docs[i], work / f"start{i}.pdf") for i in range(args.workers)])
            started = time.perf_counter()
            converter.convert_many([(d, work / "warm" / f"{d.stem}.pdf") for d in docs])
            as_is = time.perf_counter() - started

        (work / "cold").mkdir()
        cold = cold_convert(docs[: args.cold], work / "cold", args.workers)
        cold_rate = args.cold / cold
        print(
            f"warm: {warm_rate:.1f} letters/s "
            f"({len(docs) / (warm + startup):.1f} letters/s counting the start-up); "
            f"without dropping unused styles (lean_docx=False): {len(docs) / as_is:.1f} letters/s"
        )
        print(
            f"cold: {cold_rate:.2f} letters/s ({args.cold} files in {cold:.1f} s, "
            f"{args.workers} soffice processes side by side; "
            f"{len(docs)} letters would take {len(docs) / cold_rate:.0f} s)"
        )
        print(f"ratio warm/cold: {warm_rate / cold_rate:.1f}x")
        first, cached, fresh = bundle_times
        print(
            f"bundle (letter + PDF, DOCX, JPEG enclosures): first {first * 1000:.0f} ms, "
            f"then {cached * 1000:.0f} ms/bundle with the DOCX conversion and stamp overlay "
            f"cached, {fresh * 1000:.0f} ms/bundle with a new DOCX enclosure each time"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def bundle_bench(
    converter: Converter, work: Path, letter: Path, count: int
) -> tuple[float, float, float]:
    enc = work / "enc"
    enc.mkdir()
    shutil.copy(letter, enc / "form.pdf")
    make_letter(enc / "form.docx", 999, random.Random(1))
    Image.new("RGB", (1012, 638), (200, 220, 240)).save(enc / "idcard.jpg", dpi=(300, 300))
    enclosures = [
        Enclosure("แบบการขอรหัสผู้ใช้งาน", enc / "form.pdf"),
        Enclosure("หนังสือจังหวัด", enc / "form.docx"),
        Enclosure("สำเนาบัตรประจำตัวประชาชน", enc / "idcard.jpg"),
    ]
    started = time.perf_counter()
    build_bundle(letter, enclosures, enc / "bundle.pdf", converter, title="เรื่อง")
    first = time.perf_counter() - started
    started = time.perf_counter()
    for i in range(count):
        build_bundle(letter, enclosures, enc / f"bundle{i}.pdf", converter, title="เรื่อง")
    cached = (time.perf_counter() - started) / count
    started = time.perf_counter()
    for i in range(count):
        fresh = enc / f"form{i}.docx"
        shutil.copy(enc / "form.docx", fresh)
        parts = [enclosures[0], Enclosure("หนังสือจังหวัด", fresh), enclosures[2]]
        build_bundle(letter, parts, enc / f"fresh{i}.pdf", converter, title="เรื่อง")
    return first, cached, (time.perf_counter() - started) / count


if __name__ == "__main__":
    main()
