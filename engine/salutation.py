"""Salutation and closing formula (คำขึ้นต้น / คำลงท้าย) that a recipient calls for (ภาคผนวก ๒).

The table of the regulation, as far as the engine knows it (../shared/domain.md):

- everybody: เรียน … / ขอแสดงความนับถือ (governors, mayors, นายก อบต., bank managers …);
- the 14 high offices (:data:`HIGH_OFFICES`): กราบเรียน … / ขอแสดงความนับถืออย่างยิ่ง;
- monks (พระภิกษุ) by rank (:data:`MONK_FORMS`): สมเด็จพระราชาคณะ → นมัสการ /
  ขอนมัสการด้วยความเคารพอย่างยิ่ง; พระราชาคณะ → นมัสการ / ขอนมัสการด้วยความเคารพอย่างสูง;
  other monks → นมัสการ / ขอนมัสการด้วยความเคารพ.

A monk is known by an explicit rank (a letter's ``monk:`` key, a recipients file's ``monk``
column), else by the words the addressee begins with (:func:`rank_of`): สมเด็จพระ… (a
สมเด็จพระราชาคณะ), พระพรหม… / พระธรรม… / พระเทพ… / พระราช… (the titles of พระราชาคณะ above the
ordinary class), and พระ…, เจ้าอาวาส…, เจ้าคณะ…, หลวงพ่อ… (a monk). A พระราชาคณะ of the ordinary
class (ชั้นสามัญ: "พระ" and a name) cannot be told from other monks by the title: give the rank.
Royalty and the Supreme Patriarch (สมเด็จพระสังฆราช) take forms the engine does not know
(:func:`is_royal`): they need the salutation and closing given explicitly.
"""

from __future__ import annotations

from .i18n import _

#: The 14 offices addressed with กราบเรียน / ขอแสดงความนับถืออย่างยิ่ง (ภาคผนวก ๒).
HIGH_OFFICES = (
    "ประธานองคมนตรี",
    "นายกรัฐมนตรี",
    "ประธานรัฐสภา",
    "ประธานสภาผู้แทนราษฎร",
    "ประธานวุฒิสภา",
    "ประธานศาลฎีกา",
    "รัฐบุรุษ",
    "ประธานศาลรัฐธรรมนูญ",
    "ประธานศาลปกครองสูงสุด",
    "ประธานกรรมการการเลือกตั้ง",
    "ประธานกรรมการสิทธิมนุษยชนแห่งชาติ",
    "ประธานกรรมการป้องกันและปราบปรามการทุจริตแห่งชาติ",
    "ประธานกรรมการตรวจเงินแผ่นดิน",
    "ผู้ตรวจการแผ่นดิน",
)

#: Monks (พระภิกษุ) by rank: salutation and closing formula.
MONK_FORMS = {
    "somdet": ("นมัสการ", "ขอนมัสการด้วยความเคารพอย่างยิ่ง"),  # สมเด็จพระราชาคณะ
    "rajakhana": ("นมัสการ", "ขอนมัสการด้วยความเคารพอย่างสูง"),  # พระราชาคณะ
    "monk": ("นมัสการ", "ขอนมัสการด้วยความเคารพ"),  # พระภิกษุสงฆ์ทั่วไป
}

DEFAULT_FORMS = ("เรียน", "ขอแสดงความนับถือ")
HIGH_FORMS = ("กราบเรียน", "ขอแสดงความนับถืออย่างยิ่ง")

#: "not a monk": an explicit rank that turns the reading of the title off.
LAY = "none"

#: What a rank may be written as (lower-cased, spaces ignored) → the rank.
RANK_NAMES: dict[str, str] = {
    "somdet": "somdet",
    "สมเด็จพระราชาคณะ": "somdet",
    "rajakhana": "rajakhana",
    "พระราชาคณะ": "rajakhana",
    "monk": "monk",
    "พระ": "monk",
    "พระภิกษุ": "monk",
    "พระสงฆ์": "monk",
    "พระภิกษุสงฆ์": "monk",
    "none": LAY,
    "no": LAY,
    "-": LAY,
    "ไม่ใช่": LAY,
    "ฆราวาส": LAY,
}

#: Titles of royalty and of the Supreme Patriarch: forms the engine does not know.
ROYAL_PREFIXES = (
    "พระบาทสมเด็จ",
    "สมเด็จพระสังฆราช",
    "สมเด็จพระญาณสังวร",
    "สมเด็จพระอริยวงศาคตญาณ",
    "สมเด็จพระเจ้า",
    "สมเด็จพระบรม",
    "สมเด็จพระนางเจ้า",
    "สมเด็จพระราชินี",
    "สมเด็จพระกนิษฐา",
    "สมเด็จพระเทพรัตน",
    "สมเด็จเจ้าฟ้า",
    "เจ้าฟ้า",
    "พระองค์เจ้า",
    "พระเจ้าวรวงศ์เธอ",
    "พระเจ้าหลานเธอ",
)

#: Title words of พระราชาคณะ above the ordinary class (ชั้นพรหม, ชั้นธรรม, ชั้นเทพ, ชั้นราช).
_RAJAKHANA_PREFIXES = ("พระราชาคณะ", "พระพรหม", "พระธรรม", "พระเทพ", "พระราช")
#: Words a monk's addressee begins with; and words it contains.
_MONK_PREFIXES = ("พระ", "หลวงพ่อ", "หลวงปู่", "เจ้าอาวาส", "เจ้าคณะ", "รองเจ้าคณะ")
_MONK_WORDS = ("เจ้าอาวาส",)


def _norm(text: str) -> str:
    return " ".join(text.split())


def parse_rank(value: str) -> str | None:
    """An explicit rank as written (``somdet``, ``พระราชาคณะ``, ``monk``, ``none`` …) → the rank
    (:data:`MONK_FORMS` key, or :data:`LAY`); empty → None (read the title). Anything else is a
    ValueError saying what is accepted."""
    text = "".join(value.lower().split())
    if not text:
        return None
    try:
        return RANK_NAMES[text]
    except KeyError:
        raise ValueError(
            _(
                "a monk's rank must be one of somdet (สมเด็จพระราชาคณะ), rajakhana (พระราชาคณะ), "
                "monk (พระภิกษุ), or none (not a monk); got {value!r}"
            ).format(value=value)
        ) from None


def is_royal(recipient: str) -> bool:
    """Whether the addressee is royalty or the Supreme Patriarch (forms not built in)."""
    return _norm(recipient).startswith(ROYAL_PREFIXES)


def rank_of(recipient: str) -> str | None:
    """The monk's rank the addressee's words show, or None (not a monk, or royalty)."""
    text = _norm(recipient)
    if is_royal(text):
        return None
    if text.startswith("สมเด็จพระ"):
        return "somdet"
    if text.startswith(_RAJAKHANA_PREFIXES):
        return "rajakhana"
    if text.startswith(_MONK_PREFIXES) or any(w in text for w in _MONK_WORDS):
        return "monk"
    return None


def salutation_for(recipient: str, monk: str | None = None) -> tuple[str, str]:
    """Salutation (คำขึ้นต้น) and closing formula (คำลงท้าย) for a recipient.

    ``monk`` is the explicit rank of the recipient, as :func:`parse_rank` reads it (``somdet``,
    ``rajakhana``, ``monk``, or ``none``: not a monk); without it the addressee's words tell
    (:func:`rank_of`). Otherwise the 14 high offices get กราบเรียน, everybody else เรียน. A
    recipient matches a high office when it is the office's title, alone or followed by a space
    (so "รองนายกรัฐมนตรี" is not "นายกรัฐมนตรี").
    """
    rank = parse_rank(monk) if monk else None
    if rank is None:
        rank = rank_of(recipient)
    if rank is not None and rank != LAY:
        return MONK_FORMS[rank]
    text = _norm(recipient)
    for title in HIGH_OFFICES:
        if text == title or text.startswith(title + " "):
            return HIGH_FORMS
    return DEFAULT_FORMS
