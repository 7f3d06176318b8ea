"""Scale benchmark (issue 16, make bench / make bench-scale): the real `cnbudget refresh` CLI on forged corpora,
every ratio from timings taken in this one run.

  nothing new ÷ full   200 forged documents: a full refresh into an empty warehouse, then the same command again
  one new ÷ full       1,000 forged documents: a full refresh, then one new forged document (the next year of a
                       county) added to the raw folder and the same command again
  growth               full refresh at 100 / 1,000 forged PDFs and 100 / 1,000 / 10,000 forged text exports (the
                       same documents in the one-cell-per-line export format): wall clock, peak memory, seconds
                       per document and the growth exponent log(t2/t1) / log(n2/n1) (1 = linear)

Every refresh is `python -m pipelines.cli refresh --raw R --warehouse W` in a subprocess from the repository root
(imports, discovery, extraction in the pipeline's worker children, build, checks, dashboard), into a fresh
folder.  Wall clock is the subprocess's; "build+checks" is what the CLI prints; "extraction" is the span during
which extraction workers were alive (sampled every 0.1 s, so ± 0.1 s); the rest (interpreter, imports,
discovery and hashing, dashboard) is "other".  Memory: the /proc tree of the refresh is sampled every 0.1 s for
each process's VmHWM (the CLI process and the largest worker) and for the sum of the tree's VmRSS; the kernel's
own max RSS of the largest process (wait4) is printed beside them as a check on the sampling, with the CPU
seconds of the whole tree (user + system, from wait4: less sensitive than wall clock to other load).

Forged corpora are cached under data/bench-cache/corpora/ (git-ignored), keyed by the forge parameters and a
hash of the forging code (pipelines/forge.py, pdfgen.py, blocks.py): the first run forges (~0.04-0.16 s a PDF),
later runs reuse.  A corpus of N documents is N/10 counties x 2 years x 5 departments (distinct documents; the
forge draws counties from ~1,400 uniquely named ones, so up to ~14,000 documents at 2 years).

Usage: python bench/scale.py [--sizes 100,1000] [--txt-sizes 100,1000,10000] [--max-docs N] [--fmt pdf|txt]
                             [--parts noop,onenew,growth] [--noop-docs 200] [--onenew-docs 1000] [--work DIR] [--keep]
                             [--json FILE]
(--sizes 100,1000,10000 adds the 10,000-PDF point: over an hour of extraction on this shared 2-core machine.)
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import is_extraction  # noqa: E402

CACHE = ROOT / "data" / "bench-cache" / "corpora"
FORGE_CODE = [ROOT / "pipelines" / n for n in ("forge.py", "pdfgen.py", "blocks.py")]
SEED = 7
START_YEAR = 2021
DEPARTMENTS = 5
MAX_COUNTIES = 1400  # uniquely named counties the forge draws from (pick_counties: 1,418 in the 2022 frame)


# ------------------------------------------------------------------ forged corpora (cached)
def layout(n: int) -> tuple[int, int]:
    """(counties, years) for n documents of 5 departments each: 2 years unless more counties would be needed."""
    for years in range(2, 41):
        if n % (DEPARTMENTS * years) == 0 and n // (DEPARTMENTS * years) <= MAX_COUNTIES:
            return n // (DEPARTMENTS * years), years
    raise SystemExit(f"{n} documents: not a multiple of {DEPARTMENTS * 2} within {MAX_COUNTIES} counties")


def code_hash() -> str:
    h = hashlib.sha256()
    for p in FORGE_CODE:
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def corpus(fmt: str, counties: int, years: int, departments: int, start_year: int = START_YEAR,
           seed: int = SEED) -> Path:
    """The folder of forged documents for these parameters, forged once and reused (truth files beside it, not in
    it).  Entries of the same parameters forged by other code are removed."""
    params = f"{fmt}-c{counties}-y{years}-d{departments}-from{start_year}-s{seed}"
    key = f"{params}-{code_hash()}"
    home = CACHE / key
    if (home / "complete").exists():
        return home / "docs"
    for stale in CACHE.glob(f"{params}-*"):
        shutil.rmtree(stale, ignore_errors=True)
    for left in CACHE.glob(f".{key}.*"):  # an interrupted forge
        shutil.rmtree(left, ignore_errors=True)
    tmp = CACHE / f".{key}.{os.getpid()}"
    sys.path.insert(0, str(ROOT))
    from pipelines.forge import forge

    t = time.perf_counter()
    paths = forge(tmp / "docs", counties=counties, years=years, departments=departments, seed=seed,
                  start_year=start_year, fmt=fmt, truth=tmp / "truth")
    (tmp / "complete").write_text(json.dumps({"documents": len(paths), "seconds": round(time.perf_counter() - t, 1)}))
    shutil.rmtree(home, ignore_errors=True)
    tmp.rename(home)
    print(f"  forged {len(paths)} {fmt} documents in {time.perf_counter() - t:.0f} s -> {home}", flush=True)
    return home / "docs"


def size_corpus(n: int, fmt: str) -> Path:
    counties, years = layout(n)
    docs = corpus(fmt, counties, years, DEPARTMENTS)
    have = sum(1 for _ in docs.iterdir())
    if have != n:
        raise SystemExit(f"corpus {docs} holds {have} documents, not {n}")
    return docs


def extra_document(fmt: str, n: int) -> Path:
    """One document the n-document corpus does not hold: a county's budget for the year after the corpus's."""
    _, years = layout(n)
    docs = corpus(fmt, 1, 1, 1, start_year=START_YEAR + years, seed=SEED + 1)
    return next(docs.iterdir())


def populate(raw: Path, docs: Path) -> None:
    """raw = a copy of the cached corpus (hard links when the file system allows): the refresh may not touch the
    cache, and the one-new step adds a file."""
    raw.mkdir(parents=True, exist_ok=True)
    for p in docs.iterdir():
        try:
            os.link(p, raw / p.name)
        except OSError:
            shutil.copy2(p, raw / p.name)


# ------------------------------------------------------------------ one measured refresh
def _status(pid: int) -> dict[str, int]:
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmHWM:", "VmRSS:")):
                out[line[:5]] = int(line.split()[1])
    except (OSError, ValueError):
        pass
    return out


def _children(pid: int) -> list[int]:
    kids = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                kids += [int(x) for x in (task / "children").read_text().split()]
            except OSError:
                pass
    except OSError:
        pass
    return kids


class Sampler(threading.Thread):
    """Samples the process tree under ``pid`` every ``every`` seconds until stopped."""

    def __init__(self, pid: int, t0: float, every: float = 0.1):
        super().__init__(daemon=True)
        self.pid, self.t0, self.every = pid, t0, every
        self.stop = threading.Event()
        self.hwm: dict[int, int] = {}        # pid -> last VmHWM seen (kB)
        self.kind: dict[int, str] = {}       # pid -> 'cli' | 'worker' | 'other'
        self.tree_rss_kb = 0
        self.worker_span: list[float] = []   # [first seen, last seen] seconds after t0

    def run(self):
        while not self.stop.is_set():
            now = time.perf_counter() - self.t0
            todo, rss = [self.pid], 0
            while todo:
                p = todo.pop()
                st = _status(p)
                if not st:
                    continue
                if p not in self.kind:
                    self.kind[p] = "cli" if p == self.pid else ("worker" if is_extraction(p) else "other")
                if self.kind[p] == "worker":
                    self.worker_span = [self.worker_span[0] if self.worker_span else now, now]
                self.hwm[p] = max(self.hwm.get(p, 0), st.get("VmHWM", 0))
                rss += st.get("VmRSS", 0)
                todo += _children(p)
            self.tree_rss_kb = max(self.tree_rss_kb, rss)
            self.stop.wait(self.every)

    def peak_mb(self, kind: str) -> float:
        return round(max([v for p, v in self.hwm.items() if self.kind.get(p) == kind] or [0]) / 1024, 1)


def _row(out: str, label: str) -> str | None:
    for line in out.splitlines():
        cells = [c.strip() for c in re.split(r"[│|]", line)]
        cells = [c for c in cells if c]
        if len(cells) >= 2 and cells[0] == label:
            return cells[1]
    return None


def refresh(raw: Path, warehouse: Path, label: str) -> dict:
    """Run the CLI refresh once, measured."""
    env = dict(os.environ, COLUMNS="250", PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, "-m", "pipelines.cli", "refresh", "--raw", str(raw), "--warehouse", str(warehouse)]
    with tempfile.TemporaryFile() as so, tempfile.TemporaryFile() as se:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=so, stderr=se)
        sampler = Sampler(proc.pid, t0)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        sampler.stop.set()
        sampler.join()
        so.seek(0)
        se.seek(0)
        out, err = so.read().decode("utf-8", "replace"), se.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        raise SystemExit(f"{label}: refresh exited {proc.returncode}\n{out[-2000:]}\n{err[-3000:]}")
    docs = _row(out, "documents loaded")
    ext = _row(out, "extracted / cached") or "? / ?"
    bc = _row(out, "seconds (build+checks)")
    span = sampler.worker_span
    extraction = (span[1] - span[0] + sampler.every) if span else 0.0
    r = {"label": label, "seconds": round(wall, 2), "documents": int(docs) if docs and docs.isdigit() else docs,
         "extracted": ext.split("/")[0].strip(), "cached": ext.split("/")[-1].strip(),
         "nothing_new": "nothing new" in out, "facts": (_row(out, "facts") or "").split(" ")[0],
         "build_checks": float(bc) if bc else None, "extraction": round(min(extraction, wall), 2),
         "cli_peak_mb": sampler.peak_mb("cli"), "worker_peak_mb": sampler.peak_mb("worker"),
         "workers": sum(1 for k in sampler.kind.values() if k == "worker"),
         "tree_rss_peak_mb": round(sampler.tree_rss_kb / 1024, 1), "kernel_maxrss_mb": round(usage.ru_maxrss / 1024, 1),
         "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1)}
    r["other"] = round(r["seconds"] - r["extraction"] - (r["build_checks"] or 0), 2)
    print(f"  {label}: {r['seconds']:.1f} s ({r['documents']} documents, extracted {r['extracted']} / cached "
          f"{r['cached']}; CPU {r['cpu_seconds']:.0f} s; extraction {r['extraction']:.1f} s, build+checks {r['build_checks']} s; peak CLI "
          f"{r['cli_peak_mb']:.0f} MB, worker {r['worker_peak_mb']:.0f} MB, tree {r['tree_rss_peak_mb']:.0f} MB)",
          flush=True)
    return r


# ------------------------------------------------------------------ the three parts
def part_noop(n: int, fmt: str, work: Path, keep: bool) -> dict:
    docs = size_corpus(n, fmt)
    run = work / f"noop-{n}"
    populate(run / "raw", docs)
    wh = run / "wh" / "budget.duckdb"
    full = refresh(run / "raw", wh, f"full refresh, {n} documents")
    again = refresh(run / "raw", wh, f"nothing new, {n} documents")
    if not again["nothing_new"]:
        print("  (the second refresh did not report 'nothing new')")
    if not keep:
        shutil.rmtree(run, ignore_errors=True)
    return {"documents": n, "full": full, "noop": again, "ratio": round(again["seconds"] / full["seconds"], 4)}


def part_onenew(n: int, fmt: str, work: Path, keep: bool, full: dict | None = None, run: Path | None = None) -> dict:
    """full/run: a full refresh of this corpus already measured in this run (growth part), reused."""
    extra = extra_document(fmt, n)
    if full is None:
        run = work / f"onenew-{n}"
        populate(run / "raw", size_corpus(n, fmt))
        full = refresh(run / "raw", run / "wh" / "budget.duckdb", f"full refresh, {n} documents")
    shutil.copy2(extra, run / "raw" / extra.name)
    one = refresh(run / "raw", run / "wh" / "budget.duckdb", f"one new document into {n}")
    noop = refresh(run / "raw", run / "wh" / "budget.duckdb", f"nothing new, {n + 1} documents")
    if not keep:
        shutil.rmtree(run, ignore_errors=True)
    return {"documents": n, "full": full, "one_new": one, "noop": noop,
            "ratio": round(one["seconds"] / full["seconds"], 4), "noop_ratio": round(noop["seconds"] / full["seconds"], 4)}


def exponent(a: dict, b: dict, key: str = "seconds") -> float | None:
    if not a.get(key) or not b.get(key):
        return None
    return round(math.log(b[key] / a[key]) / math.log(b["documents"] / a["documents"]), 2)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100,1000", help="growth series in --fmt (multiples of 10; add 10000 for the "
                    "PDF point: ~0.45 s a PDF on this busy machine, over an hour)")
    ap.add_argument("--txt-sizes", default="100,1000,10000", help="growth series of text exports ('' to skip)")
    ap.add_argument("--max-docs", type=int, default=None, help="leave out growth sizes above this")
    ap.add_argument("--fmt", choices=["pdf", "txt"], default="pdf", help="format of the ratios and of --sizes")
    ap.add_argument("--parts", default="noop,onenew,growth")
    ap.add_argument("--noop-docs", type=int, default=200)
    ap.add_argument("--onenew-docs", type=int, default=1000)
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temp dir, removed)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch warehouses")
    ap.add_argument("--json", type=Path, default=None, help="write the figures here too (after each step)")
    a = ap.parse_args()
    parts = set(a.parts.split(","))

    def sizes_of(spec: str) -> list[int]:
        return sorted(int(x) for x in spec.split(",") if x.strip() and (a.max_docs is None or int(x) <= a.max_docs))

    work = a.work or Path(tempfile.mkdtemp(prefix="cnbudget-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"scale bench: format {a.fmt}, work folder {work}, forged corpora cached in {CACHE}", flush=True)
    # corpora are forged (or found in the cache) when a part needs them, outside the timed refreshes
    res: dict = {"format": a.fmt, "date": time.strftime("%Y-%m-%d"), "load": os.getloadavg(), "growth": {}}

    def save():
        if a.json:
            a.json.write_text(json.dumps(res, indent=1, ensure_ascii=False))

    if "noop" in parts:
        print(f"nothing new ÷ full, {a.noop_docs} documents", flush=True)
        res["noop"] = part_noop(a.noop_docs, a.fmt, work, a.keep)
        save()
    series_list = [(a.fmt, sizes_of(a.sizes))] + ([("txt", sizes_of(a.txt_sizes))] if a.fmt == "pdf" else [])
    for fmt, sizes in series_list if "growth" in parts else []:
        if not sizes:
            continue
        print(f"growth ({fmt}): full refresh at {', '.join(map(str, sizes))} documents", flush=True)
        series = res["growth"].setdefault(fmt, [])
        for n in sizes:
            run = work / f"full-{fmt}-{n}"
            populate(run / "raw", size_corpus(n, fmt))
            full = refresh(run / "raw", run / "wh" / "budget.duckdb", f"full refresh, {n} {fmt} documents")
            series.append(full)
            save()
            if "onenew" in parts and "onenew" not in res and fmt == a.fmt and n == a.onenew_docs:
                print(f"one new ÷ full, {n} documents (the full refresh above)", flush=True)
                res["onenew"] = part_onenew(n, fmt, work, a.keep, full=full, run=run)
                save()
            elif not a.keep:
                shutil.rmtree(run, ignore_errors=True)
    if "onenew" in parts and "onenew" not in res:
        print(f"one new ÷ full, {a.onenew_docs} documents", flush=True)
        res["onenew"] = part_onenew(a.onenew_docs, a.fmt, work, a.keep)
        save()
    if a.work is None and not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    report(res)


def report(res: dict):
    print(f"\n== Scale — bench/scale.py ({res['date']}, load average at start {res['load'][0]:.1f}) ==")
    if "noop" in res:
        r = res["noop"]
        print(f"nothing new ÷ full, {r['documents']} {res['format']} documents, CLI: {r['noop']['seconds']:.2f} s ÷ "
              f"{r['full']['seconds']:.2f} s = {r['ratio']:.3f} (target ≤ 0.05: {'met' if r['ratio'] <= 0.05 else 'NOT met'})")
    if "onenew" in res:
        r = res["onenew"]
        print(f"one new ÷ full, {r['documents']} {res['format']} documents, CLI: {r['one_new']['seconds']:.2f} s ÷ "
              f"{r['full']['seconds']:.2f} s = {r['ratio']:.3f} (target ≤ 0.05: {'met' if r['ratio'] <= 0.05 else 'NOT met'}); "
              f"then nothing new on {r['documents'] + 1}: {r['noop']['seconds']:.2f} s = {r['noop_ratio']:.3f} of the full")
    for fmt, g in res.get("growth", {}).items():
        if not g:
            continue
        print(f"\nfull refresh (empty warehouse) by corpus size, forged {fmt} documents:")
        print(f"{'docs':>6} {'wall s':>8} {'s/doc':>7} {'extract s':>9} {'build+chk s':>11} {'other s':>8} "
              f"{'CLI MB':>7} {'worker MB':>9} {'tree MB':>8} {'maxrss MB':>9} {'facts':>9} {'CPU s':>7}")
        for r in g:
            print(f"{r['documents']:>6} {r['seconds']:>8.1f} {r['seconds'] / r['documents']:>7.3f} {r['extraction']:>9.1f} "
                  f"{r['build_checks'] or 0:>11.1f} {r['other']:>8.1f} {r['cli_peak_mb']:>7.0f} {r['worker_peak_mb']:>9.0f} "
                  f"{r['tree_rss_peak_mb']:>8.0f} {r['kernel_maxrss_mb']:>9.0f} {r['facts']:>9} {r.get('cpu_seconds', 0):>7.0f}")
        for a_, b_ in zip(g, g[1:]):
            print(f"growth exponent {a_['documents']} → {b_['documents']}: wall {exponent(a_, b_)}, extraction "
                  f"{exponent(a_, b_, 'extraction')}, build+checks {exponent(a_, b_, 'build_checks')}, CLI memory "
                  f"{exponent(a_, b_, 'cli_peak_mb')}, worker memory {exponent(a_, b_, 'worker_peak_mb')} "
                  f"(1 = linear, < 1 sublinear)")
        if len(g) > 2:
            print(f"growth exponent {g[0]['documents']} → {g[-1]['documents']}: wall {exponent(g[0], g[-1])}, "
                  f"build+checks {exponent(g[0], g[-1], 'build_checks')}")


if __name__ == "__main__":
    main()
