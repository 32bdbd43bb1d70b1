"""A year of register rows written fast, for the printed register's test and its benchmark.

:func:`seed_year` numbers ``rows`` letters through :meth:`Register.reserve` inside one
:meth:`Register.transaction` (one commit, no rendering): the register's own numbering rules,
without 5,000 command runs. Two series share the year (ordinary letters and circulars, one in
five a circular), every ``cancel_every``-th number is then cancelled with a reason.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from engine.register import CIRCULAR, NORMAL, Register

RECIPIENTS = (
    "นายอำเภอปักธงชัย",
    "ผู้ว่าราชการจังหวัดนครราชสีมา",
    "นายกองค์การบริหารส่วนตำบลตะขบ",
    "ผู้อำนวยการสำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดนครราชสีมา",
    "เจ้าอาวาสวัดปักธงชัย",
)
SUBJECTS = (
    "ขอรหัสผู้ใช้งาน (User) และรหัสผ่าน (Password) ระบบ New e-LAAS",
    "การประชุมคณะกรรมการพัฒนาท้องถิ่น ครั้งที่ 3/2568",
    "ขอความอนุเคราะห์ข้อมูลงบประมาณรายจ่ายประจำปี",
    "ส่งรายงานผลการดำเนินงานไตรมาสที่ 2",
    "ขอเชิญร่วมพิธีวันท้องถิ่นไทย",
)


def seed_year(
    register_path: Path, *, rows: int, year: int = 2025, cancel_every: int = 97
) -> dict[str, list[int]]:
    """Number ``rows`` letters of the CE ``year`` in the register at ``register_path``; returns
    the cancelled running numbers of each series."""
    start = date(year, 1, 1)
    days = (date(year, 12, 31) - start).days
    cancelled: dict[str, list[int]] = {NORMAL: [], CIRCULAR: []}
    with Register(register_path) as reg:
        with reg.transaction():
            for i in range(rows):
                series = CIRCULAR if i % 5 == 4 else NORMAL
                day = start + timedelta(days=i * days // max(rows - 1, 1))
                with reg.reserve(series, year) as slot:
                    mark = "ว " if series == CIRCULAR else ""
                    slot.record(
                        number_text=f"มท 0808.4/{mark}{slot.number:04d}",
                        date=day,
                        sender="กรมส่งเสริมการปกครองท้องถิ่น",
                        recipient=RECIPIENTS[i % len(RECIPIENTS)],
                        subject=f"{SUBJECTS[i % len(SUBJECTS)]} (รายการที่ {i + 1})",
                        action="ส่งทางไปรษณีย์" if i % 3 == 0 else "",
                        note="ด่วนที่สุด" if i % 11 == 0 else "",
                    )
        for series in (NORMAL, CIRCULAR):
            for entry in reg.entries(year, series):
                if entry.number % cancel_every == 0:
                    reg.cancel(series, year, entry.number, f"ออกเลขผิด ครั้งที่ {entry.number}")
                    cancelled[series].append(entry.number)
    return cancelled
