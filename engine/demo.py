"""``make demo``: the main job on the built-in demo workspace (the repository root).

A district office issues the circular of reference letter 000 to every municipality and
sub-district administrative organisation, with its PDF, proofs the PDF's layout, and an internal
memo; then lists its register.
"""

from __future__ import annotations

import contextlib
import io
import sys

from .cli import main as saraban
from .i18n import _
from .resources import source_tree


def main() -> int:
    tree = source_tree()
    if tree is None:
        print(
            _("saraban: error: the demo runs in saraban's source tree (make demo)"), file=sys.stderr
        )
        return 1
    ws = str(tree)
    steps = [
        ["check"],
        # --pdf: letter.pdf beside the DOCX (LibreOffice), page numbers and continuation markers
        ["new", "letter", "--data", "examples/pakthongchai/reference-000.yaml", "--issue", "--pdf"],
        ["proof", "PDF"],  # the layout rules of the printed letter (the PDF the step before made)
        ["new", "memo", "--data", "examples/memo.yaml", "--issue"],
        ["register", "list"],
    ]
    made = ""
    for step in steps:
        step = [made if arg == "PDF" else arg for arg in step]
        print(f"\n$ saraban {' '.join(step)}", flush=True)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = saraban(["--workspace", ws, *step])
        print(out.getvalue(), end="", flush=True)
        pdfs = [line for line in out.getvalue().split() if line.endswith(".pdf")]
        made = pdfs[0] if pdfs else made
        if status:
            return status
    return 0


if __name__ == "__main__":
    sys.exit(main())
