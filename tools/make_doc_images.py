"""Make docs/*.png: page 1 of each workflow's letter, as ``--pdf`` prints it.

    .venv/bin/python tools/make_doc_images.py [--dpi 70]

Each letter is issued with ``--pdf`` in a scratch copy of its example workspace (the reference
letters with their real numbers and dates), then page 1 is rendered with poppler's pdftoppm.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import api  # noqa: E402
from engine.fonts import install_fonts  # noqa: E402
from engine.workspace import Workspace  # noqa: E402

EXAMPLES = ROOT / "examples"

# (image name, example office, workflow, data file, date, register start, document name)
LETTERS = [
    ("letter-003", "dla", "letter", "dla/reference-003.yaml", "2025-03-25", ("circular", 2568, 36), "letter"),
    ("circular-000", "demo", "letter", "pakthongchai/reference-000.yaml", "2023-04-28", ("circular", 2566, 598), "letter"),
    ("memo", "demo", "memo", "memo.yaml", "2023-05-02", None, "memo"),
    ("appoint-admin-order", "tambon", "appoint-admin", "appoint-admin.yaml", "2026-01-15", None, "order"),
    ("appoint-admin-letter", "tambon", "appoint-admin", "appoint-admin.yaml", "2026-01-15", None, "letter"),
    ("change-user-memo", "tambon", "change-user", "change-user.yaml", "2026-01-15", None, "memo"),
    ("request-elaas-letter", "tambon", "request-elaas-password", "request-elaas-password.yaml", "2026-01-15", None, "letter"),
    ("request-elaas-enclosure1", "tambon", "request-elaas-password", "request-elaas-password.yaml", "2026-01-15", None, "enclosure1"),
]  # fmt: skip


def workspace(scratch: Path, office: str) -> Path:
    ws = scratch / office
    if not ws.exists():
        ws.mkdir()
        source = ROOT if office == "demo" else EXAMPLES / office  # demo: the repository root
        shutil.copy(source / "office.yaml", ws / "office.yaml")
        if (EXAMPLES / office / "files").is_dir():
            shutil.copytree(EXAMPLES / office / "files", ws / "files")
    return ws


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dpi", type=int, default=70)
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    install_fonts()
    made: dict[tuple[str, str, str], dict[str, str]] = {}
    with tempfile.TemporaryDirectory(prefix="saraban-docs-") as tmp:
        scratch = Path(tmp)
        for name, office, workflow, data, date, start, document in LETTERS:
            ws = Workspace(workspace(scratch, office))
            key = (office, workflow, data)
            if key not in made:
                if start:
                    api.register_start(ws, start[0], str(start[1]), start[2])
                result = api.new(
                    ws, workflow, data_file=EXAMPLES / data, date=date, issue=True, pdf=True
                )
                made[key] = {d.name: d.pdf for d in result.documents}
            pdf = ws.root / made[key][document]
            target = args.out / name
            subprocess.run(
                ["pdftoppm", "-png", "-r", str(args.dpi), "-f", "1", "-l", "1", "-singlefile",
                 str(pdf), str(target)],
                check=True,
            )  # fmt: skip
            print(f"{target.relative_to(ROOT)}.png  ({workflow}: {document})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
