"""Known-answer benchmark of the OCR path (not a test).

    python bench/ocr.py [--real ../shared/real] [--out DIR]

Takes a bounded sample of pages with a text layer — the two bundled seed PDFs (data/raw) and real table
pages from ../shared/real — and writes each sample twice: once as a PDF with its text layer (the pages
cut out of the original: the text-layer path, the known answer) and once rasterised as a scanner would
(an image-only PDF) at 150, 200 and 300 dpi, plus a turned (0.6°) and noisy (2 % salt-and-pepper) variant at
200 dpi.  One ``refresh`` loads them all into a scratch warehouse (the same pool, limits and checks as a real
run).  Then every amount of the text-layer path is compared with the amount the OCR path read in the same
cell (page, table, row, column):

* exact — the same Decimal;
* wrong — another value, or no amount in that cell;
* flagged — a wrong amount whose cell is below the confidence floor (vocab/ocr.csv) or reported unread;
* caught — a wrong amount in a table with a gating (error) finding of the document's own arithmetic or of
  the parser (the table is kept out of the default views);
* silent — wrong and neither flagged nor caught (goal: 0).

Speed: OCR pages per second per core = OCR pages / the extraction seconds of those documents (each document
is extracted by one single-threaded worker).
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb  # noqa: E402
import pypdfium2 as pdfium  # noqa: E402

from pipelines.readers import ocr  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
# (file, pages): whole tables (title and body on the listed pages)
SEEDS = [("data/raw/001_dcbc594b2af559b5.pdf", [1, 2, 3]), ("data/raw/000_080adf6e6892d6db.pdf", [1, 2])]
REAL = [
    ("jiangsu/江苏省委办公厅/江苏省委办公厅2018年度部门预算公开表.pdf", [3, 4, 5]),
    ("jiangsu/江苏省政协办公厅/江苏省政协办公厅2019年预算公开表.pdf", [1, 2, 3]),
    ("cities/东营/2026年东营市信访局部门预算.pdf", [5, 6]),
    ("cities/深圳/2026年深圳市气象局部门预算.pdf", [25, 26]),
    ("jiangsu/江苏省人大办公厅/江苏省人大常委会办公厅2019年部门预算公开表.pdf", [5, 6]),
    ("cities/无锡/2026年无锡市交通运输局部门预算.pdf", [14, 15]),
]
VARIANTS = {"150dpi": dict(dpi=150), "200dpi": dict(dpi=200), "300dpi": dict(dpi=300),
            "200dpi_turned_noisy": dict(dpi=200, rotate=0.6, noise=0.02)}


def _subset(src: Path, pages: list[int], out: Path):
    doc = pdfium.PdfDocument(str(src))
    new = pdfium.PdfDocument.new()
    new.import_pages(doc, [p - 1 for p in pages])
    out.parent.mkdir(parents=True, exist_ok=True)
    new.save(str(out))
    new.close()
    doc.close()


def prepare(raw: Path, real: Path) -> list[str]:
    names = []
    samples = [(ROOT / f, p, "seed") for f, p in SEEDS] + [(real / f, p, "real") for f, p in REAL]
    for i, (src, pages, kind) in enumerate(samples):
        if not src.exists():
            print(f"  (missing, left out: {src})")
            continue
        name = f"{kind}{i:02d}"
        names.append(name)
        _subset(src, pages, raw / "text" / f"{name}.pdf")
        for v, kw in VARIANTS.items():
            ocr.rasterise(src, raw / v / f"{name}.pdf", pages=pages, seed=i, **kw)
    return names


def compare(con, floor: float) -> dict:
    q = """
    WITH docs AS (
        SELECT document_id, split_part(source_path, '/', -2) AS variant,
               regexp_extract(source_path, '([^/]+)\\.pdf$', 1) AS name, pages, seconds
        FROM core.dim_document),
    facts AS (
        SELECT d.variant, d.name, f.*, concat_ws('|', f.table_type, f.subject_code, f.subject_name, f.side,
               f.parent_item, f.measure) AS k,
               count(*) OVER (PARTITION BY f.document_id, f.table_type, f.subject_code, f.subject_name, f.side,
                              f.parent_item, f.measure) AS k_n
        FROM core.fact_budget_amount f JOIN docs d USING (document_id)),
    truth AS (SELECT name, src_ref, table_type, amount, k, k_n FROM facts WHERE variant = 'text'),
    got AS (SELECT variant, name, document_id, table_seq, src_ref, amount, ocr_confidence, k, k_n
            FROM facts WHERE variant <> 'text'),
    gating AS (
        SELECT DISTINCT document_id, table_seq FROM dq.findings WHERE severity = 'error' AND table_seq IS NOT NULL),
    doc_parse AS (
        SELECT DISTINCT document_id FROM dq.findings WHERE severity = 'error' AND table_seq IS NULL
          AND rule = 'parse_error' AND subject IN ('ocr_unread_cell', 'unparseable_amount')),
    unread AS (SELECT document_id, src_ref FROM core.parse_issues WHERE rule = 'ocr_unread_cell')
    SELECT v.variant, t.name, t.src_ref, t.amount AS truth, coalesce(g.amount, gk.amount) AS read,
           coalesce(g.ocr_confidence, gk.ocr_confidence) AS ocr_confidence,
           (u.src_ref IS NOT NULL) AS unread,
           (gt.table_seq IS NOT NULL OR gtk.table_seq IS NOT NULL OR dp.document_id IS NOT NULL) AS caught
    FROM truth t CROSS JOIN (SELECT DISTINCT variant FROM docs WHERE variant <> 'text') v
    LEFT JOIN got g ON g.variant = v.variant AND g.name = t.name AND g.src_ref = t.src_ref
    -- the same fact in another cell (a row more or less in the OCR grid): matched by what it is, when unique
    LEFT JOIN got gk ON g.src_ref IS NULL AND gk.variant = v.variant AND gk.name = t.name AND gk.k = t.k
         AND t.k_n = 1 AND gk.k_n = 1
    LEFT JOIN gating gtk ON gtk.document_id = gk.document_id AND gtk.table_seq = gk.table_seq
    LEFT JOIN docs od ON od.variant = v.variant AND od.name = t.name
    LEFT JOIN unread u ON u.document_id = od.document_id AND u.src_ref = t.src_ref
    LEFT JOIN gating gt ON gt.document_id = g.document_id AND gt.table_seq = g.table_seq
    LEFT JOIN doc_parse dp ON dp.document_id = od.document_id
    """
    rows = con.execute(q).fetchall()
    out: dict[str, dict] = {}
    for variant, name, ref, truth, read, conf, unread, caught in rows:
        r = out.setdefault(variant, {"amounts": 0, "exact": 0, "wrong": 0, "flagged": 0, "caught": 0, "silent": 0,
                                     "exact_flagged": 0, "examples": []})
        r["amounts"] += 1
        if read is not None and Decimal(read) == Decimal(truth):
            r["exact"] += 1
            r["exact_flagged"] += conf is not None and conf < floor
            continue
        r["wrong"] += 1
        flagged = unread or (conf is not None and conf < floor)
        r["flagged"] += bool(flagged)
        r["caught"] += bool(caught and not flagged)
        if not flagged and not caught:
            r["silent"] += 1
            r.setdefault("silent_cells", []).append(f"{name} {ref}: {truth} read {read} (conf {conf})")
        if len(r["examples"]) < 6:
            r["examples"].append(f"{name} {ref}: {truth} read {read} (conf {conf if conf is None else round(conf, 3)}"
                                 f"{', flagged' if flagged else ''}{', caught' if caught else ''})")
    extra = con.execute("""
        WITH docs AS (SELECT document_id, split_part(source_path, '/', -2) AS variant,
                             regexp_extract(source_path, '([^/]+)\\.pdf$', 1) AS name FROM core.dim_document)
        SELECT d.variant, count(*) FROM core.fact_budget_amount f JOIN docs d USING (document_id)
        WHERE d.variant <> 'text' AND NOT EXISTS (
            SELECT 1 FROM core.fact_budget_amount t JOIN docs td USING (document_id)
            WHERE td.variant = 'text' AND td.name = d.name AND t.src_ref = f.src_ref)
        GROUP BY 1""").fetchall()
    for v, n in extra:
        out.setdefault(v, {})["extra"] = n
    speed = con.execute("""
        SELECT split_part(source_path, '/', -2) AS variant, sum(pages), sum(seconds)
        FROM core.dim_document GROUP BY 1""").fetchall()
    for v, pages, secs in speed:
        out.setdefault(v, {}).update(pages=int(pages or 0), seconds=round(secs or 0, 1),
                                     pages_per_s_core=round((pages or 0) / secs, 3) if secs else None)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--real", type=Path, default=ROOT.parent / "shared" / "real")
    ap.add_argument("--out", type=Path, default=None, help="keep the scratch folder here (default: a temp dir)")
    ap.add_argument("--compare-only", action="store_true", help="compare again in the warehouse of an earlier --out")
    args = ap.parse_args()
    from pipelines.refresh import refresh

    work = args.out or Path(tempfile.mkdtemp(prefix="cnbudget-bench-ocr-"))
    raw, wh = work / "raw", work / "wh" / "budget.duckdb"
    if not args.compare_only:
        shutil.rmtree(raw, ignore_errors=True)
        shutil.rmtree(wh.parent, ignore_errors=True)
        t = time.perf_counter()
        names = prepare(raw, args.real)
        print(f"{len(names)} samples × (text + {len(VARIANTS)} scans) written in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        refresh(raw, wh)
        print(f"refresh (extract + OCR + load + checks): {time.perf_counter() - t:.1f} s")
    floor = ocr.confidence_floor()
    con = duckdb.connect(str(wh), read_only=True)
    res = compare(con, floor)
    con.close()
    print(f"\nconfidence floor {floor} (vocab/ocr.csv)\n")
    print(f"{'variant':22} {'amounts':>7} {'exact':>6} {'share':>8} {'wrong':>5} {'flagged':>7} {'caught':>6} "
          f"{'silent':>6} {'extra':>5} {'ok<floor':>8} {'pages':>5} {'p/s/core':>8}")
    for v in ["text", *VARIANTS]:
        r = res.get(v, {})
        if v == "text":
            print(f"{'text layer (answer)':22} {'':>7} {'':>6} {'':>8} {'':>5} {'':>7} {'':>6} {'':>6} {'':>5} {'':>8} "
                  f"{r.get('pages', 0):>5} {r.get('pages_per_s_core') or 0:>8}")
            continue
        n = r.get("amounts", 0)
        print(f"{v:22} {n:>7} {r.get('exact', 0):>6} {(r.get('exact', 0) / n if n else 0):>8.2%} {r.get('wrong', 0):>5} "
              f"{r.get('flagged', 0):>7} {r.get('caught', 0):>6} {r.get('silent', 0):>6} {r.get('extra', 0):>5} "
              f"{r.get('exact_flagged', 0):>8} {r.get('pages', 0):>5} {r.get('pages_per_s_core') or 0:>8}")
    for v in VARIANTS:
        for e in res.get(v, {}).get("examples", []):
            print(f"  {v}: {e}")
    for v in VARIANTS:
        for e in res.get(v, {}).get("silent_cells", []):
            print(f"  SILENT {v}: {e}")
    (work / "ocr_bench.json").write_text(json.dumps(res, indent=2, default=str))
    print(f"\n{work / 'ocr_bench.json'}")


if __name__ == "__main__":
    main()
