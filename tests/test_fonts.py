"""The TH Sarabun New substitute: its metrics, its licence records, the fontconfig mapping."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont

from engine import fonts
from engine.errors import UserError

pytestmark = pytest.mark.skipif(
    not Path("/usr/share/fonts/truetype/tlwg/Laksaman.ttf").exists()
    and not Path("/usr/share/fonts/opentype/tlwg/Laksaman.ttf").exists(),
    reason="fonts-thai-tlwg not installed",
)

THAI = range(0x0E01, 0x0E5C)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A private build (its own font folder and fontconfig file), not the machine's."""
    root = tmp_path_factory.mktemp("fonts")
    return fonts.install_fonts(root / "fonts", conf=root / "conf.d" / fonts.CONF_NAME)


def per_mille(font: TTFont, char: str) -> float:
    advance = font["hmtx"][font.getBestCmap()[ord(char)]][0]
    return advance * 1000 / font["head"].unitsPerEm


@pytest.mark.parametrize("style", fonts.STYLES, ids=lambda s: s.subfamily)
def test_substitute_has_th_sarabun_new_metrics(built: Path, style: fonts._Style) -> None:
    font = TTFont(built / style.output)
    source = TTFont(fonts._find_sources()[style.source])
    # TH Sarabun New (per 1000 em): space 216, digits 362; Laksaman has 324 and 544.
    if "Bold" not in style.subfamily:  # the bold cut of the design is a little wider
        assert per_mille(font, " ") == pytest.approx(216, abs=0.5)
        for digit in "0123456789":
            assert per_mille(font, digit) == pytest.approx(362, abs=1)
    for char in "กขคสำ ๑๒ Aa1":  # every advance is Laksaman's / 1.5
        assert per_mille(font, char) == pytest.approx(per_mille(source, char) / 1.5, abs=0.01)
    # Vertical metrics shrink with the em: the line height is TH Sarabun New's, not Laksaman's.
    hhea, upem = font["hhea"], font["head"].unitsPerEm
    line = (hhea.ascent - hhea.descent + hhea.lineGap) / upem
    src = source["hhea"]
    assert line == pytest.approx((src.ascent - src.descent + src.lineGap) / 1000 / 1.5)
    assert 1.2 < line < 1.45  # Laksaman's own: 1.99 em
    # No Thai glyph (stacked marks included) reaches past the ascender or descender: no clipping.
    glyphs, cmap = font.getGlyphSet(), font.getBestCmap()
    low = high = 0
    for cp in THAI:
        if cp in cmap:
            pen = BoundsPen(glyphs)
            glyphs[cmap[cp]].draw(pen)
            if pen.bounds:
                low, high = min(low, pen.bounds[1]), max(high, pen.bounds[3])
    assert hhea.descent <= low and high <= hhea.ascent
    assert font["OS/2"].usWinAscent >= high and -font["OS/2"].usWinDescent <= low
    assert font["OS/2"].fsType == 0  # embeddable in PDFs


def test_substitute_keeps_licence_and_has_its_own_name(built: Path) -> None:
    font = TTFont(built / "SarabanLaksaman-Bold.ttf")
    name = font["name"]
    assert name.getDebugName(1) == "Saraban Laksaman"
    assert name.getDebugName(2) == "Bold"
    assert name.getDebugName(6) == "SarabanLaksaman-Bold"
    assert "Theppitak Karoonboonyanan" in name.getDebugName(0)  # copyright kept
    assert "GNU General Public License" in name.getDebugName(13)  # licence kept
    assert "Modified copy of Laksaman" in name.getDebugName(10)
    assert all(r.toUnicode() != "Laksaman" for r in name.names if r.nameID in (1, 4, 16))
    copying = (built / "COPYING.txt").read_text(encoding="utf-8")
    assert "GPL-2+ with Font exception" in copying
    assert "GNU GENERAL PUBLIC LICENSE" in copying


def test_install_is_idempotent_and_quick(built: Path) -> None:
    conf = built.parent / "conf.d" / fonts.CONF_NAME
    files = [built / s.output for s in fonts.STYLES] + [conf]
    before = [p.stat().st_mtime_ns for p in files]
    started = time.monotonic()
    fonts.install_fonts(built, conf=conf)
    assert time.monotonic() - started < 1.0
    assert [p.stat().st_mtime_ns for p in files] == before
    # A lost file is rebuilt.
    (built / "SarabanLaksaman-Italic.ttf").unlink()
    fonts.install_fonts(built, conf=conf)
    assert TTFont(built / "SarabanLaksaman-Italic.ttf")["head"].unitsPerEm == 1500


def fc_match(pattern: str) -> tuple[str, str, str]:
    out = subprocess.run(
        ["fc-match", "-f", "%{family[0]}|%{style[0]}|%{file}", pattern],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    family, style, file = out.split("|")
    return family, style, file


@pytest.mark.parametrize(
    ("pattern", "style"),
    [
        ("TH Sarabun New", "Regular"),
        ("TH Sarabun New:bold", "Bold"),
        ("TH Sarabun New:italic", "Italic"),
        ("TH Sarabun New:bold:italic", "Bold Italic"),
        ("TH SarabunPSK", "Regular"),
        ("TH SarabunIT๙:bold", "Bold"),
        ("THSarabunNew", "Regular"),
    ],
)
def test_machine_maps_th_sarabun_to_substitute(pattern: str, style: str) -> None:
    """On this machine (the set-up `python -m engine.fonts` does), not Debian's Laksaman."""
    dest = fonts.install_fonts()
    family, found_style, file = fc_match(pattern)
    if family in fonts._real_families(dest):  # pragma: no cover - a machine with the real font
        pytest.skip("the real font is installed")
    assert (family, found_style) == ("Saraban Laksaman", style)
    assert Path(file).parent == dest


def test_a_really_installed_font_is_left_alone(tmp_path: Path, monkeypatch) -> None:
    """A machine with the real TH Sarabun New keeps it; the other names still map."""
    fake = tmp_path / "real"
    fake.mkdir()
    font = TTFont(fonts._find_sources()["Laksaman.ttf"])
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = "TH Sarabun New"
    font.save(fake / "THSarabunNew.ttf")
    config = tmp_path / "fonts.conf"
    config.write_text(
        f"""<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>
        <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
        <dir>{fake}</dir><cachedir>{tmp_path / "cache"}</cachedir></fontconfig>"""
    )
    monkeypatch.setenv("FONTCONFIG_FILE", str(config))
    conf = tmp_path / "conf.d" / fonts.CONF_NAME
    fonts.install_fonts(tmp_path / "fonts", conf=conf)
    text = conf.read_text(encoding="utf-8")
    assert "<string>TH Sarabun New</string>" not in text
    assert "<string>TH SarabunPSK</string>" in text
    assert "<string>TH SarabunIT๙</string>" in text


def test_missing_laksaman_says_how_to_install(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(fonts, "_SOURCE_DIRS", (tmp_path,))
    monkeypatch.setattr(fonts, "_fc", lambda *cmd: "")
    with pytest.raises(UserError, match="apt-get install fonts-thai-tlwg"):
        fonts.install_fonts(tmp_path / "fonts", conf=tmp_path / "x.conf")
    assert not (tmp_path / "fonts").exists()
