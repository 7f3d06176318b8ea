"""Extraction benchmark on the shared real PDFs (not a test).

    python bench/extract.py [PDF_DIR]

Times, in one run over every document:
  (a) plain ``camelot.read_pdf(path, pages="all")`` (defaults: lattice, the
      default line engine) on every page,
  (b) camelot's render-free vector engine on every page
      (``flavor='lattice', engine='vector'``),
  (c) this project's ``pipelines.readers.pdf.read_pdf`` on every document
      (pypdfium2 text layer on every page, camelot vector engine only on
      pages with vector strokes).
and prints pages, tables found and seconds per document, the totals, and
the ratios c/a (target <= 0.1) and c/b (target <= 1.5).
"""
from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import camelot  # noqa: E402

from pipelines.readers.pdf import read_pdf  # noqa: E402

DEFAULT_DIR = ROOT.parent / "shared" / "real" / "jiangsu"


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def main(pdf_dir: Path = DEFAULT_DIR) -> dict:
    warnings.simplefilter("ignore")
    files = sorted(Path(pdf_dir).rglob("*.pdf"))
    if not files:
        raise SystemExit(f"no PDFs under {pdf_dir}")
    # warm imports / caches so the first document does not pay them
    read_pdf(files[0])
    camelot.read_pdf(str(files[0]), pages="1", flavor="lattice", engine="vector")
    tot = {"pages": 0, "a_t": 0.0, "b_t": 0.0, "c_t": 0.0, "a_n": 0, "b_n": 0, "c_n": 0}
    print(f"{'document':<44}{'pages':>6}{'a tbl':>7}{'a s':>8}{'b tbl':>7}{'b s':>7}{'c tbl':>7}{'c s':>7}")
    for f in files:
        a, ta = _timed(lambda: camelot.read_pdf(str(f), pages="all"))
        b, tb = _timed(lambda: camelot.read_pdf(str(f), pages="all", flavor="lattice", engine="vector"))
        c, tc = _timed(lambda: read_pdf(f))
        n = len(c.pages)
        name = f"{f.parent.name}/{f.name}"
        print(f"{name[:43]:<44}{n:>6}{len(a):>7}{ta:>8.2f}{len(b):>7}{tb:>7.2f}{c.table_count:>7}{tc:>7.2f}")
        tot["pages"] += n
        tot["a_t"] += ta
        tot["b_t"] += tb
        tot["c_t"] += tc
        tot["a_n"] += len(a)
        tot["b_n"] += len(b)
        tot["c_n"] += c.table_count
    print(
        f"{'TOTAL (' + str(len(files)) + ' documents)':<44}{tot['pages']:>6}{tot['a_n']:>7}{tot['a_t']:>8.2f}"
        f"{tot['b_n']:>7}{tot['b_t']:>7.2f}{tot['c_n']:>7}{tot['c_t']:>7.2f}"
    )
    p = tot["pages"]
    print(
        f"per page: a {tot['a_t'] / p:.4f} s, b {tot['b_t'] / p:.4f} s, c {tot['c_t'] / p:.4f} s"
    )
    print(f"c/a = {tot['c_t'] / tot['a_t']:.3f} (target <= 0.1)   c/b = {tot['c_t'] / tot['b_t']:.3f} (target <= 1.5)")
    return tot


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DIR)
