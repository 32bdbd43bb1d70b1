"""A metric-compatible stand-in for TH Sarabun New, built from Debian's Laksaman.

Letters ask for "TH Sarabun New" (the national font, not packaged by any Linux distribution).
Debian's fonts-thai-tlwg ships Laksaman, the same design drawn 1.5 times larger on the same em,
and maps "TH Sarabun*" to it with a 0.66 font matrix that LibreOffice ignores: letters come out
about 1.5 times too wide and break onto extra pages.

:func:`install_fonts` writes copies of each Laksaman style whose ``unitsPerEm`` is 1.5 times
larger (glyph coordinates untouched), under family names of their own. Every metric in the font -
advances, bounds, ascender and descender, kerning, hinting - is in font units, so all of them
shrink together to TH Sarabun New's: space 216 and digits 362 per 1000 em, the same bounding box.
Two families differ only in their line: "Saraban Laksaman" takes TH Sarabun New's vertical
metrics (a 16-pt line of 21.3 pt, as the real font), "Saraban Laksaman PSK" keeps Laksaman's own
tighter one (18.3 pt), for TH SarabunPSK and TH SarabunIT๙. A fontconfig file then makes each
requested name (any weight and slant) resolve to its substitute, prepended with a strong binding,
so Debian's scaled-Laksaman rule never wins. A name that a real installed font answers to is left
alone.

Where things go, chosen by who runs it (the fonts and the rule always at the same level):

=========  =============================================  ==================================================
who        fonts (``dest``)                                fontconfig rule (``conf``)
=========  =============================================  ==================================================
root       /usr/local/share/fonts/saraban                 /etc/fonts/conf.d/65-saraban-th-sarabun.conf
a user     $XDG_DATA_HOME/fonts/saraban                   $XDG_CONFIG_HOME/fontconfig/conf.d/65-saraban-…conf
           (~/.local/share/fonts/saraban)                 (~/.config/fontconfig/conf.d/…)
=========  =============================================  ==================================================

Licence: Laksaman is GPL-2+ with the font exception (fonts-tlwg). The copies keep its copyright,
licence and trademark records in their name tables, say in their description record that they are
modified, and ``COPYING.txt`` beside them carries the notice, Debian's copyright file and the GPL.

Run ``python -m engine.fonts`` (again after installing or removing a real TH Sarabun font): it
prints what it did, and does nothing, quickly, when everything is already in place.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from engine.errors import UserError
from engine.i18n import _

log = logging.getLogger(__name__)

FAMILY = "Saraban Laksaman"
"""The TH Sarabun New substitute's own family name (never a trademarked one)."""

PSK_FAMILY = "Saraban Laksaman PSK"
"""The TH SarabunPSK / TH SarabunIT๙ substitute: the same glyphs with Laksaman's own, tighter
line (18.3 pt at 16 pt)."""

NEW_FAMILIES = ("TH Sarabun New", "THSarabunNew")
PSK_FAMILIES = (
    "TH SarabunPSK",
    "TH SarabunIT๙",
    # Spellings seen in documents (fontconfig rules compare ignoring case, not blanks):
    "TH Sarabun PSK",
    "THSarabunPSK",
    "THSarabunIT๙",
)
REQUESTED_FAMILIES = (*NEW_FAMILIES, *PSK_FAMILIES)
"""The families letters ask for."""

SCALE = 1.5
"""Laksaman's glyphs are TH Sarabun New's times 1.5 (space 324 vs 216, bbox -643..1424 vs
-427..947), so its em grows by 1.5: advances become 216 and 362.7 per 1000 em. (Debian's 0.66
would give 214 and 359, 1 % narrow.)"""

BUILD_VERSION = 3
"""Bump when the build changes, so installed copies are rebuilt."""

CONF_NAME = "65-saraban-th-sarabun.conf"
MANIFEST = ".saraban-fonts.json"
INSTALL_HINT = "apt-get install fonts-thai-tlwg fontconfig"


@dataclass(frozen=True)
class _Style:
    source: str  # Laksaman file name
    output: str  # our file name
    subfamily: str  # name ID 2
    family: str = FAMILY  # name ID 1


_CUTS = (
    ("Laksaman.ttf", "", "Regular"),
    ("Laksaman-Bold.ttf", "-Bold", "Bold"),
    ("Laksaman-Italic.ttf", "-Italic", "Italic"),
    ("Laksaman-BoldItalic.ttf", "-BoldItalic", "Bold Italic"),
)
STYLES = tuple(
    _Style(source, f"{family.replace(' ', '')}{suffix}.ttf", subfamily, family)
    for family in (FAMILY, PSK_FAMILY)
    for source, suffix, subfamily in _CUTS
)

_SOURCE_DIRS = (
    Path("/usr/share/fonts/truetype/tlwg"),
    Path("/usr/share/fonts/opentype/tlwg"),
    Path("/usr/share/fonts/tlwg"),
)


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def default_dest() -> Path:
    """Where :func:`install_fonts` puts the fonts by default (see the module docstring)."""
    if _is_root():
        return Path("/usr/local/share/fonts/saraban")
    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local/share")
    return data / "fonts" / "saraban"


def default_conf() -> Path:
    """Where :func:`install_fonts` writes the fontconfig rule by default."""
    if _is_root():
        return Path("/etc/fonts/conf.d") / CONF_NAME
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return config / "fontconfig" / "conf.d" / CONF_NAME


def _find_sources() -> dict[str, Path]:
    for folder in _SOURCE_DIRS:
        found = {s.source: folder / s.source for s in STYLES}
        if all(p.is_file() for p in found.values()):
            return found
    # Elsewhere (another distribution's layout): ask fontconfig.
    found = {}
    for line in _fc("fc-list", "Laksaman", "file").splitlines():
        path = Path(line.split(":")[0].strip())
        found.setdefault(path.name, path)
    if all(s.source in found for s in STYLES):
        return {s.source: found[s.source] for s in STYLES}
    raise UserError(
        _(
            "the Laksaman fonts (all four styles) are not installed; install them with `{install_hint}` and run `python -m engine.fonts` again"
        ).format(install_hint=INSTALL_HINT)
    )


def _fc(*cmd: str) -> str:
    if shutil.which(cmd[0]) is None:
        raise UserError(
            _("{cmd} is missing: install fontconfig with `{install_hint}`").format(
                cmd=cmd[0], install_hint=INSTALL_HINT
            )
        )
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def _fingerprint(sources: dict[str, Path]) -> dict:
    stats = {name: [p.stat().st_size, p.stat().st_mtime_ns] for name, p in sources.items()}
    return {"build": BUILD_VERSION, "scale": SCALE, "sources": stats}


def _build_font(src: Path, out: Path, style: _Style) -> None:
    from fontTools.ttLib import TTFont

    font = TTFont(src)
    head = font["head"]
    head.unitsPerEm = round(head.unitsPerEm * SCALE)
    if style.family == FAMILY:
        _th_sarabun_new_line(font)
    version = font["name"].getDebugName(5) or ""
    ps = Path(style.output).stem  # PostScript name: SarabanLaksaman-BoldItalic
    family = style.family
    full = family if style.subfamily == "Regular" else f"{family} {style.subfamily}"
    names = {
        1: family,
        2: style.subfamily,
        3: f"{ps};{version.strip()};saraban-{BUILD_VERSION}",
        4: full,
        6: ps,
        10: (
            f"Modified copy of Laksaman {style.subfamily} (fonts-tlwg, GPL-2+ with font exception), "
            f"made by saraban's engine.fonts: unitsPerEm multiplied by {SCALE} so that its metrics "
            "are those of TH Sarabun New; renamed. Outlines unchanged."
        ),
    }
    table = font["name"]
    table.names = [r for r in table.names if r.nameID not in (16, 17, 21, 22)]
    for name_id, text in names.items():
        table.setName(text, name_id, 3, 1, 0x409)
        if any(r.platformID == 1 for r in table.names):
            table.setName(text, name_id, 1, 0, 0)
    tmp = out.with_suffix(".tmp")
    font.save(tmp)
    os.replace(tmp, out)


def _th_sarabun_new_line(font) -> None:
    """TH Sarabun New's vertical metrics (fonts/README.md: hhea 844/-457/30, typo 850/-250/60
    per 1000, USE_TYPO_METRICS off) on the scaled em: a 16-pt line is then 21.3 pt
    in LibreOffice and Word, as with the real font. Laksaman itself sets USE_TYPO_METRICS with a
    tighter typo line (18.3 pt), which the PSK substitute keeps."""
    upem = font["head"].unitsPerEm
    hhea, os2 = font["hhea"], font["OS/2"]
    hhea.ascent, hhea.descent, hhea.lineGap = (round(v * upem / 1000) for v in (844, -457, 30))
    # usWinAscent/Descent stay Laksaman's: they bound every glyph (a stacked bold mark passes
    # 844 by 0.2 % of the em), so nothing is clipped; LibreOffice lays lines out by hhea.
    os2.sTypoAscender, os2.sTypoDescender, os2.sTypoLineGap = (
        round(v * upem / 1000) for v in (850, -250, 60)
    )
    os2.fsSelection &= ~(1 << 7)


def _copying_text(sources: dict[str, Path]) -> str:
    parts = [
        "The fonts in this folder are modified copies of Laksaman from fonts-tlwg\n"
        f"({', '.join(str(p) for p in sources.values())}),\n"
        "made by saraban's engine.fonts: the em (unitsPerEm) enlarged "
        f"{SCALE} times and the family renamed to "
        f'"{FAMILY}". The outlines are unchanged.\n'
        "Laksaman: Copyright 2010-2011 Software Industry Promotion Agency (SIPA),\n"
        "2014-2015 Theppitak Karoonboonyanan. License: GPL-2+ with Font exception.\n"
    ]
    for doc in (
        Path("/usr/share/doc/fonts-thai-tlwg/copyright"),
        Path("/usr/share/doc/fonts-tlwg-laksaman/copyright"),
        Path("/usr/share/common-licenses/GPL-2"),
    ):
        if doc.is_file():
            parts.append(
                f"\n===== {doc} =====\n\n{doc.read_text(encoding='utf-8', errors='replace')}"
            )
    return "".join(parts)


def _norm(family: str) -> str:
    return re.sub(r"\s+", "", family).casefold()


def _real_families(dest: Path) -> set[str]:
    """Requested families that an installed font other than ours really has."""
    found: set[str] = set()
    for line in _fc("fc-list", "--format", "%{file}\t%{family}\n").splitlines():
        file, _, families = line.partition("\t")
        if Path(file).parent != dest:
            found.update(_norm(family) for family in families.split(","))
    return {family for family in REQUESTED_FAMILIES if _norm(family) in found}


def substitute_of(family: str) -> str:
    """The substitute family standing for a requested one (TH SarabunPSK → the PSK cut)."""
    return PSK_FAMILY if _norm(family) in {_norm(f) for f in PSK_FAMILIES} else FAMILY


def _conf_text(dest: Path, mapped: list[str]) -> str:
    rules = "".join(
        f"""
  <match target="pattern">
    <test qual="any" name="family" compare="eq"><string>{family}</string></test>
    <edit name="family" mode="prepend" binding="strong"><string>{substitute_of(family)}</string></edit>
  </match>"""
        for family in mapped
    )
    return f"""<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<!-- Written by saraban (python -m engine.fonts); rewritten on every run, do not edit.
     TH Sarabun New -> {FAMILY}, Laksaman with TH Sarabun New's metrics;
     TH SarabunPSK / IT๙ -> {PSK_FAMILY}, the same with Laksaman's tighter line.
     Prepended with a strong binding so that Debian's 0.66-matrix Laksaman rule
     (89-tlwg-laksaman-synthetic.conf), which LibreOffice does not honour, never wins. -->
<fontconfig>
  <dir>{dest}</dir>{rules}
</fontconfig>
"""


def install_fonts(dest: Path | None = None, *, conf: Path | None = None) -> Path:
    """Build the TH Sarabun New substitute into ``dest`` and map the TH Sarabun names to it.

    Idempotent: the fonts are rebuilt only when missing or older than their Laksaman sources (or
    this builder), the fontconfig rule rewritten only when its text changes, and ``fc-cache`` run
    only after either. Returns ``dest``. Raises :class:`UserError` (with the apt-get command) when
    Laksaman or fontconfig is missing.
    """
    dest = (dest or default_dest()).absolute()
    conf = (conf or default_conf()).absolute()
    sources = _find_sources()
    changed = False

    manifest = dest / MANIFEST
    fingerprint = _fingerprint(sources)
    try:
        current = json.loads(manifest.read_text()) == fingerprint
    except (OSError, ValueError):
        current = False
    if not current or not all((dest / s.output).is_file() for s in STYLES):
        dest.mkdir(parents=True, exist_ok=True)
        for style in STYLES:
            _build_font(sources[style.source], dest / style.output, style)
            log.info("built %s from %s", dest / style.output, sources[style.source])
        (dest / "COPYING.txt").write_text(_copying_text(sources), encoding="utf-8")
        manifest.write_text(json.dumps(fingerprint))
        changed = True
    else:
        log.info("fonts up to date in %s", dest)

    real = _real_families(dest)
    for family in sorted(real):
        log.info("%s is really installed: left alone", family)
    text = _conf_text(dest, [f for f in REQUESTED_FAMILIES if f not in real])
    try:
        same = conf.read_text(encoding="utf-8") == text
    except OSError:
        same = False
    if not same:
        conf.parent.mkdir(parents=True, exist_ok=True)
        tmp = conf.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, conf)
        log.info("wrote %s", conf)
        changed = True
    else:
        log.info("fontconfig rule up to date: %s", conf)

    if changed:
        _fc("fc-cache", str(dest))
        log.info("ran fc-cache %s", dest)
    return dest


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        dest = install_fonts()
    except UserError as exc:
        log.error("error: %s", exc)
        return 1
    for family in (*REQUESTED_FAMILIES, "TH Sarabun New:bold"):
        log.info("fc-match %r -> %s", family, _fc("fc-match", family).strip())
    log.info("fonts: %s", dest)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
