"""Read Cython's annotated HTML (`cython -a`) the way chapter 8 does: which lines touch Python?

    python lesson/examples/cython/annotate.py lesson/examples/cython/stats.pyx

`cython -a` writes, next to the C file, an HTML page where every source line is shaded by how
much Python C-API work its C code does (its "score": 0 is white, pure C; the more calls into
the interpreter, the yellower). This script runs Cython with `-a` into a temporary folder and
prints each line with its score, the yellow ones marked: those are where to look first.
"""
from __future__ import annotations

import html
import re
import subprocess
import sys
import tempfile
from pathlib import Path

LINE = re.compile(
    r'<pre class="cython line score-(\d+)"[^>]*>(?:\+|&#xA0;)<span class="">(\d+)</span>:(.*?)</pre>'
)


# ANCHOR: scores
def line_scores(annotated_html: str) -> list[tuple[int, int, str]]:
    """(line number, score, source text) for every line of an annotated Cython page."""
    rows = []
    for score, number, code in LINE.findall(annotated_html):
        text = html.unescape(re.sub(r"<[^>]+>", "", code)).replace("\xa0", " ")
        rows.append((int(number), int(score), text[1:] if text.startswith(" ") else text))
    return rows


def annotate(source: Path) -> list[tuple[int, int, str]]:
    """Run `cython -a` on a .pyx (or pure-Python .py) file; return its line scores."""
    with tempfile.TemporaryDirectory(prefix="cython-annotate-") as out:
        c_file = Path(out) / f"{source.stem}.c"
        subprocess.run([sys.executable, "-m", "cython", "-3", "-a", str(source), "-o", str(c_file)],
                       check=True, capture_output=True, text=True)
        return line_scores(c_file.with_suffix(".html").read_text(encoding="utf-8"))
# ANCHOR_END: scores


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} FILE.pyx")
    for number, score, text in annotate(Path(sys.argv[1])):
        mark = "yellow" if score else "      "
        print(f"{number:4} {mark} {score:3}  {text}")
