"""``make demo``: the main job on the built-in demo workspace (the repository root).

A district office issues the circular of reference letter 000 to every municipality and
sub-district administrative organisation, with its PDF, and an internal memo; then lists its
register.
"""

from __future__ import annotations

import sys

from .cli import main as saraban
from .workspace import PACKAGE_ROOT


def main() -> int:
    ws = str(PACKAGE_ROOT)
    steps = [
        ["check"],
        # --pdf: letter.pdf beside the DOCX (LibreOffice), page numbers and continuation markers
        ["new", "letter", "--data", "examples/pakthongchai/reference-000.yaml", "--issue", "--pdf"],
        ["new", "memo", "--data", "examples/memo.yaml", "--issue"],
        ["register", "list"],
    ]
    for step in steps:
        print(f"\n$ saraban {' '.join(step)}", flush=True)
        status = saraban(["--workspace", ws, *step])
        if status:
            return status
    return 0


if __name__ == "__main__":
    sys.exit(main())
