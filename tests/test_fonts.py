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
    # Vertical metrics: the line each family is laid out with (docs/layout.md).
    hhea, os2, upem = font["hhea"], font["OS/2"], font["head"].unitsPerEm
    use_typo = bool(os2.fsSelection & (1 << 7))
    if style.family == fonts.FAMILY:
        # TH Sarabun New's own (fonts/README.md): hhea 844/-457/30 per 1000, typo metrics off,
        # so a 16-pt line is 21.3 pt as with the real font
        assert not use_typo
        line = (hhea.ascent - hhea.descent + hhea.lineGap) / upem
        assert line == pytest.approx((844 + 457 + 30) / 1000, abs=0.001)
        assert 16 * line == pytest.approx(21.3, abs=0.05)
    else:
        # TH SarabunPSK / IT๙: Laksaman's own typo line, 18.3 pt at 16 pt
        assert use_typo
        typo = (os2.sTypoAscender - os2.sTypoDescender + os2.sTypoLineGap) / upem
        src = source["OS/2"]
        laksaman = (src.sTypoAscender - src.sTypoDescender + src.sTypoLineGap) / 1000 / 1.5
        assert typo == pytest.approx(laksaman)
        assert 16 * typo == pytest.approx(18.3, abs=0.05)
    # No Thai glyph (stacked marks included) reaches past the ascender or descender: no clipping.
    glyphs, cmap = font.getGlyphSet(), font.getBestCmap()
    low = high = 0
    for cp in THAI:
        if cp in cmap:
            pen = BoundsPen(glyphs)
            glyphs[cmap[cp]].draw(pen)
            if pen.bounds:
                low, high = min(low, pen.bounds[1]), max(high, pen.bounds[3])
    # (the hhea ascender is TH Sarabun New's 844; Laksaman's tallest bold mark passes it by 0.2 %
    # of the em, and the Windows ascent, which clipping follows, covers it)
    assert hhea.descent <= low and high <= hhea.ascent + 0.003 * upem
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
    ("pattern", "family", "style"),
    [
        ("TH Sarabun New", fonts.FAMILY, "Regular"),
        ("TH Sarabun New:bold", fonts.FAMILY, "Bold"),
        ("TH Sarabun New:italic", fonts.FAMILY, "Italic"),
        ("TH Sarabun New:bold:italic", fonts.FAMILY, "Bold Italic"),
        ("TH SarabunPSK", fonts.PSK_FAMILY, "Regular"),
        ("TH SarabunIT๙:bold", fonts.PSK_FAMILY, "Bold"),
        ("THSarabunNew", fonts.FAMILY, "Regular"),
    ],
)
def test_machine_maps_th_sarabun_to_substitute(pattern: str, family: str, style: str) -> None:
    """On this machine (the set-up `python -m engine.fonts` does), not Debian's Laksaman."""
    dest = fonts.install_fonts()
    found, found_style, file = fc_match(pattern)
    if found in fonts._real_families(dest):  # pragma: no cover - a machine with the real font
        pytest.skip("the real font is installed")
    assert (found, found_style) == (family, style)
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
