"""Extraction benchmark on the shared real PDFs (not a test).

    python bench/extract.py [--corpus DIR ...] [--skip-plain] [--skip PART ...]

Per corpus (default: ../shared/real/jiangsu and ../shared/real/cities), in one run, over the documents a
refresh reads (every file with a PDF header, the same bytes twice counted once):

  (a) plain ``camelot.read_pdf(path, pages="all")`` (defaults: lattice, the default line engine) on every page
      (about 80 s on jiangsu; by default on the first corpus only, ``--plain-all`` for every corpus),
  (b) camelot's render-free vector engine alone on every page (``flavor='lattice', engine='vector'``),
      sequential, in this process,
  (c) this project's ``pipelines.readers.pdf.read_pdf`` on every document (pdfium text layer on every page,
      camelot's vector engine on the pages with strokes), sequential, in this process,
  (f) the pdfium text-layer floor: open, ``get_textpage`` and ``get_text_range`` of every page, sequential,
  (e) the END-TO-END ``cnbudget refresh`` (``python -m pipelines.cli refresh --raw <corpus> --warehouse <tmp>``,
      fresh staging, default limits and workers) in a subprocess: wall clock of the whole command, peak RSS
      of the command and of its largest worker (sampled), CPU seconds,
and the ratios e/b (targets: jiangsu <= 1.5, cities <= 0.6; with ``--rounds N``, N pairs of (b) then (e), each
ratio and their median: on a shared machine one pair can be 30 % off), c/a, c/b, and seconds per page of e and c
against the floor f.  Then the extraction stage alone (``pipelines.refresh.extract_all``, ``force``, a fresh
staging folder, each configuration in its own process) with every core in use and with one worker: pages
per second per core (pages / wall / workers, and pages / worker CPU second), parallel efficiency, and the
peak RSS per worker against its address-space limit (``CNBUDGET_MAX_MEMORY_MB``).

``--skip`` leaves parts out: ``plain`` (a; also ``--skip-plain``), ``readers`` (b and c), ``floor`` (f),
``refresh`` (e), ``stage`` (extract_all with every core), ``serial`` (extract_all with one worker).
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import _common  # noqa: E402

REAL = ROOT.parent / "shared" / "real"
DEFAULT_CORPORA = (REAL / "jiangsu", REAL / "cities")
TARGETS = {"jiangsu": 1.5, "cities": 0.6}  # e/b, from issue 16
PARTS = ("plain", "readers", "floor", "refresh", "stage", "serial")


def read_set(corpus: Path) -> list[Path]:
    """The PDFs a refresh of ``corpus`` reads: every discovered file with a PDF header, one per content."""
    from pipelines.extract import discover, not_pdf_format

    seen, out = set(), []
    for d in discover(corpus):
        if d.file_type == "pdf" and d.sha256 not in seen and d.size and not_pdf_format(d.path) is None:
            seen.add(d.sha256)
            out.append(d.path)
    return out


def floor(f: Path) -> int:
    """(f): pdfium opens the file and extracts the text of every page; the page count."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(f))
    try:
        n = len(doc)
        for i in range(n):
            page = doc[i]
            tp = page.get_textpage()
            tp.get_text_range()
            tp.close()
            page.close()
    finally:
        doc.close()
    return n


def camelot_vector(f: Path) -> list | None:
    """(b) on one document: camelot's vector engine on every page; None when camelot cannot read it."""
    import camelot

    try:
        return camelot.read_pdf(str(f), pages="all", flavor="lattice", engine="vector")
    except Exception:  # noqa: BLE001 - a document camelot cannot read: no tables, counted by the caller
        return None


def compare_readers(files: list[Path], root: Path, parts: set[str], plain: bool) -> dict:
    """(a), (b), (c), (f) above, document by document (alternating, so load spikes hit all of them)."""
    import camelot

    from pipelines.readers.pdf import PdfError, read_pdf

    readers = "readers" in parts
    # warm imports / caches so the first document does not pay them
    if readers:
        read_pdf(files[0])
        camelot.read_pdf(str(files[0]), pages="1", flavor="lattice", engine="vector")
    floor(files[0])
    tot = {k: 0.0 for k in ("pages", "a_t", "b_t", "c_t", "f_t", "a_n", "b_n", "c_n")}
    failed = {"b": 0, "c": 0}

    def camelot_tables():
        got = camelot_vector(f)
        if got is None:
            failed["b"] += 1
        return got or []

    def ours():
        try:
            return read_pdf(f).table_count
        except PdfError:
            failed["c"] += 1
            return 0

    verbose = len(files) <= 30
    if verbose:
        print(f"{'document':<44}{'pages':>6}{'a tbl':>7}{'a s':>8}{'b tbl':>7}{'b s':>7}{'c tbl':>7}{'c s':>7}"
              f"{'f s':>7}")
    for f in files:
        n, tf = _common.timed(lambda: floor(f))
        a, ta = _common.timed(lambda: camelot.read_pdf(str(f), pages="all")) if plain else ([], 0.0)
        b, tb = _common.timed(camelot_tables) if readers else ([], 0.0)
        c, tc = _common.timed(ours) if readers else (0, 0.0)
        if verbose:
            name = str(f.relative_to(root))
            print(f"{name[:43]:<44}{n:>6}{len(a):>7}{ta:>8.2f}{len(b):>7}{tb:>7.2f}{c:>7}{tc:>7.2f}{tf:>7.3f}")
        for k, v in (("pages", n), ("a_t", ta), ("b_t", tb), ("c_t", tc), ("f_t", tf), ("a_n", len(a)),
                     ("b_n", len(b)), ("c_n", c)):
            tot[k] += v
    tot["pages"] = int(tot["pages"])
    print(f"{'TOTAL (' + str(len(files)) + ' documents)':<44}{tot['pages']:>6}{int(tot['a_n']):>7}{tot['a_t']:>8.2f}"
          f"{int(tot['b_n']):>7}{tot['b_t']:>7.2f}{int(tot['c_n']):>7}{tot['c_t']:>7.2f}{tot['f_t']:>7.2f}")
    if failed["b"] or failed["c"]:
        print(f"documents camelot (b) could not read: {failed['b']}; read_pdf (c) refused: {failed['c']}")
    tot["failed"] = failed
    return tot


def camelot_alone(files: list[Path]) -> float:
    """(b) again, on its own: camelot's vector engine on every page of every file, sequential, in this process."""
    t0 = time.perf_counter()
    for f in files:
        camelot_vector(f)
    return time.perf_counter() - t0


def end_to_end(corpus: Path) -> dict:
    """(e): the refresh command in a subprocess, on a fresh warehouse and staging folder."""
    work = Path(tempfile.mkdtemp(prefix="cnbudget-bench-e2e-"))
    try:
        env = dict(os.environ, COLUMNS="200", PYTHONPATH=str(ROOT))
        r = _common.run_sampled([sys.executable, "-m", "pipelines.cli", "refresh", "--raw", str(corpus),
                                 "--warehouse", str(work / "budget.duckdb")], env=env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if r["returncode"] != 0:
        raise SystemExit(f"refresh of {corpus} failed ({r['returncode']}):\n{r['stderr'][-3000:]}")
    m = re.search(r"seconds \(build\+checks\)\s*│\s*([\d.]+)", r["stdout"])
    r["build_checks_s"] = float(m.group(1)) if m else None
    m = re.search(r"extracted / cached\s*│\s*(\d+)\s*/\s*(\d+)", r["stdout"])
    r["extracted"] = int(m.group(1)) if m else None
    return r


def _stage(stage: str, a: dict) -> dict:
    """In a fresh process (see _common.child): extract_all with ``a["workers"]`` workers into a new staging
    folder; seconds, the workers' CPU seconds, staged pages and tables, peak RSS of this process and of the
    largest worker, the workers' address-space limit."""
    import resource

    import pyarrow.parquet as pq

    from pipelines.extract import discover, staged_path
    from pipelines.limits import Limits
    from pipelines.refresh import extract_all

    assert stage == "extract_all"
    seen, docs = set(), []
    for d in discover(Path(a["pdf_dir"])):
        if d.file_type == "pdf" and d.sha256 not in seen:  # what the refresh extracts (duplicates once)
            seen.add(d.sha256)
            docs.append(d)
    staging = Path(a["staging"])
    limits = Limits.from_env(workers=a["workers"])
    t0 = time.perf_counter()
    res = extract_all(docs, staging, manifest={}, force=True, limits=limits)
    seconds = time.perf_counter() - t0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)  # CPU time of the workers, all cores
    pages = tables = 0
    for d in docs:  # what was staged: pages read and tables found
        target = staged_path(staging, d)
        pages += json.loads((target / "document.json").read_text(encoding="utf-8")).get("pages") or 0
        if (target / "tables.parquet").exists():
            tables += pq.read_metadata(target / "tables.parquet").num_rows
    return {"seconds": round(seconds, 3), "cpu_s": round(ru.ru_utime + ru.ru_stime, 3), "documents": len(docs),
            "pages": pages, "tables": tables, "statuses": sorted({r["status"] for r in res}),
            "parent_peak_mb": _common.peak_mb(), "worker_peak_mb": _common.children_peak_mb(),
            "memory_limit_mb": limits.max_memory_mb}


def stage_runs(corpus: Path, parts: set[str]) -> dict:
    """extract_all with one worker per core (and with 1 worker), each in its own process and staging folder."""
    n = os.cpu_count() or 1
    work = Path(tempfile.mkdtemp(prefix="cnbudget-bench-extract-"))
    counts = [w for w, part in ((n, "stage"), (1, "serial")) if part in parts]
    runs = {}
    try:
        for w in dict.fromkeys(counts):
            runs[w] = _common.child("bench.extract", "extract_all",
                                    {"pdf_dir": str(corpus), "staging": str(work / f"staging-{w}"), "workers": w})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not runs:
        return runs
    print(f"\n-- extraction stage alone (pipelines.refresh.extract_all, force), {n} cores, "
          f"1-min load average {os.getloadavg()[0]:.2f} (these runs included)")
    print(f"{'workers':<10}{'docs':>6}{'pages':>7}{'tables':>8}{'seconds':>9}{'cpu s':>8}{'pages/s':>9}"
          f"{'p/s/core':>10}{'p/cpu s':>9}{'parent MB':>11}{'worker MB':>11}")
    for w, r in runs.items():
        pps = r["pages"] / r["seconds"]
        print(f"{w:<10}{r['documents']:>6}{r['pages']:>7}{r['tables']:>8}{r['seconds']:>9.2f}{r['cpu_s']:>8.2f}"
              f"{pps:>9.1f}{pps / w:>10.1f}{r['pages'] / r['cpu_s']:>9.1f}{r['parent_peak_mb']:>11.1f}"
              f"{r['worker_peak_mb']:>11.1f}")
    if 1 in runs and n in runs and n > 1:
        one, par = runs[1], runs[n]
        speedup = one["seconds"] / par["seconds"]
        print(f"speedup t1/t{n} = {speedup:.2f}   parallel efficiency = {speedup / n:.2f}")
        same = all(one[k] == par[k] for k in ("documents", "pages", "tables", "statuses"))
        print(f"sanity: staged tables {one['tables']} vs {par['tables']}, statuses {one['statuses']} vs "
              f"{par['statuses']}: {'same' if same else 'DIFFERENT'}")
    r = runs[max(runs)]
    print(f"memory per worker: peak RSS {r['worker_peak_mb']:.0f} MB (largest worker), address space bounded at "
          f"{r['memory_limit_mb']} MB each (RLIMIT_AS); the stage's parent {r['parent_peak_mb']:.0f} MB")
    return runs


def bench_corpus(corpus: Path, parts: set[str], plain: bool, rounds: int = 1) -> dict:
    name = corpus.name
    files = read_set(corpus)
    if not files:
        raise SystemExit(f"no PDFs under {corpus}")
    print(f"\n== {name}: {corpus} — {len(files)} PDFs read (distinct contents with a PDF header)")
    out: dict = {"corpus": name, "documents": len(files)}
    tot = compare_readers(files, corpus, parts, plain) if parts & {"plain", "readers", "floor"} else None
    if tot:
        out["readers"] = tot
        p = tot["pages"]
        line = f"per page: f (floor) {tot['f_t'] / p:.5f} s"
        if "readers" in parts:
            line += f", b {tot['b_t'] / p:.4f} s, c {tot['c_t'] / p:.4f} s"
        if plain:
            line += f", a {tot['a_t'] / p:.4f} s"
        print(line)
        if "readers" in parts:
            ca = f"{tot['c_t'] / tot['a_t']:.3f} (target <= 0.1)" if plain else "(a skipped)"
            print(f"c/a = {ca}   c/b = {tot['c_t'] / tot['b_t']:.3f}   c/f = {tot['c_t'] / tot['f_t']:.1f} "
                  "(read_pdf's seconds per page over the floor's)")
    if "refresh" in parts:
        e = end_to_end(corpus)
        out["refresh"] = {k: v for k, v in e.items() if k not in ("stdout", "stderr")}
        bc = e["build_checks_s"]
        print(f"\n-- (e) end-to-end `cnbudget refresh` (fresh warehouse, default limits), 1-min load average "
              f"{os.getloadavg()[0]:.2f}")
        print(f"wall {e['seconds']:.2f} s (build+checks {bc if bc is not None else '?'} s as the refresh reports it); "
              f"CPU {e['tree_cpu_s']:.1f} s in all, extraction ~{e['worker_cpu_s']:.1f} s in {e['workers_started']} "
              f"processes (the fork server and its workers), the other children (GX, charts) ~{e['other_cpu_s']:.1f} s; "
              f"documents extracted {e['extracted']}")
        print(f"peak RSS: the refresh process {e['parent_peak_mb']:.0f} MB, largest extraction process "
              f"{e['worker_peak_mb']:.0f} MB, largest other child {e['other_peak_mb']:.0f} MB")
        if tot:
            p = tot["pages"]
            print(f"per page: e {e['seconds'] / p:.4f} s against the floor f {tot['f_t'] / p:.5f} s: "
                  f"e/f = {e['seconds'] / tot['f_t']:.1f}")
            if "readers" in parts:
                target = TARGETS.get(name)
                goal = f" (target <= {target}: {'met' if e['seconds'] / tot['b_t'] <= target else 'NOT met'})" \
                    if target else ""
                print(f"e/b = {e['seconds'] / tot['b_t']:.3f}{goal}   "
                      f"[end-to-end refresh {e['seconds']:.2f} s / camelot vector alone {tot['b_t']:.2f} s]")
                if rounds > 1:  # more pairs, each (b) right before its (e): the machine's speed drifts
                    pairs = [(e["seconds"], tot["b_t"])]
                    for _ in range(rounds - 1):
                        b_t = camelot_alone(files)
                        pairs.append((end_to_end(corpus)["seconds"], b_t))
                    med = statistics.median(x / y for x, y in pairs)
                    out["e_b_rounds"] = [{"e": round(x, 3), "b": round(y, 3)} for x, y in pairs]
                    out["e_b_median"] = med
                    print(f"e/b in {rounds} rounds (b then e, each pair in turn): "
                          + ", ".join(f"{x:.2f}/{y:.2f} = {x / y:.3f}" for x, y in pairs)
                          + f"; median {med:.3f}" + (f" (target <= {target}: {'met' if med <= target else 'NOT met'})"
                                                     if target else ""))
    if parts & {"stage", "serial"}:
        out["stage"] = stage_runs(corpus, parts)
    return out


def main(argv: list[str] | None = None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("pdf_dir", nargs="*", type=Path, help="corpus folders (default: jiangsu and cities)")
    ap.add_argument("--corpus", action="append", type=Path, default=[], help="a corpus folder (repeatable)")
    ap.add_argument("--skip-plain", action="store_true", help="leave out (a), plain camelot")
    ap.add_argument("--plain-all", action="store_true", help="(a) on every corpus, not only the first")
    ap.add_argument("--skip", action="append", default=[], choices=PARTS, help="leave a part out (repeatable)")
    ap.add_argument("--json", type=Path, help="write the figures to this file as well")
    ap.add_argument("--rounds", type=int, default=3,
                    help="pairs of (b) and (e) per corpus: the ratio's median is reported too (default 3)")
    a = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)  # camelot's PDF parser (playa) logs every oddity of the real PDFs
    corpora = [*a.pdf_dir, *a.corpus] or list(DEFAULT_CORPORA)
    parts = set(PARTS) - set(a.skip) - ({"plain"} if a.skip_plain else set())
    print(f"bench/extract.py {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, 1-min load average "
          f"{os.getloadavg()[0]:.2f} at the start (the machine is shared: compare ratios, not seconds)")
    results = [bench_corpus(c, parts, "plain" in parts and (i == 0 or a.plain_all), a.rounds)
               for i, c in enumerate(corpora)]
    print("\n== summary")
    for r in results:
        tot, e = r.get("readers"), r.get("refresh")
        bits = [f"{r['corpus']}: {r['documents']} PDFs"]
        if tot:
            bits.append(f"{tot['pages']} pages")
        if tot and e and "readers" in parts:
            bits.append(f"e/b = {e['seconds'] / tot['b_t']:.3f}")
            if "e_b_median" in r:
                bits.append(f"median e/b of {len(r['e_b_rounds'])} rounds {r['e_b_median']:.3f}")
        if tot and e:
            bits.append(f"e {e['seconds'] / tot['pages']:.4f} s/page vs floor {tot['f_t'] / tot['pages']:.5f}")
        if tot and "readers" in parts:
            bits.append(f"c/b = {tot['c_t'] / tot['b_t']:.3f}")
        st = r.get("stage") or {}
        if st:
            w = max(st)
            s = st[w]
            bits.append(f"{s['pages'] / s['seconds'] / w:.1f} pages/s/core with {w} workers, "
                        f"{s['pages'] / s['cpu_s']:.1f} pages/worker CPU s, worker peak {s['worker_peak_mb']:.0f} MB")
        print("  " + "; ".join(bits))
    if a.json:
        a.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
