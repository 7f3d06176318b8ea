"""Dagster overhead benchmark (make bench): what a partition run of the ``document`` asset costs on top of the
extraction it does — a ratio measured in one run against a baseline measured in the same run.

  work       = pipelines.extract.extract_one(doc, staging, None, force=True), called directly, per document
  dagster    = the same document materialized as its partition of ``document`` (dynamic partitions "documents",
               key = document id) with dg.materialize, in-process, in a temporary on-disk (SQLite) instance;
               its staged output is removed first, so the run really extracts
  overhead   = (dagster - work) / work on the per-partition means (target <= 0.1)
  in-memory  = the same runs in an ephemeral instance (no SQLite storage, no compute-log capture), for comparison
  run+step   = the same through dg.execute_job on the extract_documents job (its default executor runs the
               step in a process of its own), for comparison
  peak memory = max RSS of this process (forge, direct extraction and the in-process runs)

Usage: python bench/dagster_overhead.py [--docs 8] [--no-subprocess] [--keep DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import _common  # noqa: E402


def _extract_job():
    """The partitioned extraction job, for dg.reconstructable (the step process loads it again)."""
    from pipelines.definitions import defs

    return defs.resolve_job_def("extract_documents")


def _page_count(staged: Path) -> int:
    return json.loads((staged / "document.json").read_text(encoding="utf-8"))["pages"]


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=8, help="forged documents (4 per county: 2 years x 2 departments)")
    ap.add_argument("--no-subprocess", action="store_true", help="skip the execute_job (step process) figure")
    ap.add_argument("--keep", type=Path)
    a = ap.parse_args()
    work = a.keep or Path(tempfile.mkdtemp(prefix="cnbudget-bench-dagster-"))
    raw, wh = work / "raw", work / "wh" / "budget.duckdb"
    # the document asset finds its file and its staging folder through these (pipelines.config.current_*)
    os.environ["CNBUDGET_RAW"], os.environ["CNBUDGET_WAREHOUSE"] = str(raw), str(wh)

    import dagster as dg

    from pipelines.config import staging_dir
    from pipelines.definitions import PATH_TAG, document
    from pipelines.extract import discover, extract_one, staged_path
    from pipelines.forge import forge

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; work dir {work}")
    forge(raw, counties=max(1, a.docs // 4), years=2, departments=2, truth=work / "truth")  # truth kept apart
    docs = discover(raw)
    staging = staging_dir(wh)
    (work / "dagster_home").mkdir()
    instance = dg.DagsterInstance.local_temp(str(work / "dagster_home"), overrides={"telemetry": {"enabled": False}})
    instance.add_dynamic_partitions("documents", [d.document_id for d in docs])

    ephemeral = dg.DagsterInstance.ephemeral()
    ephemeral.add_dynamic_partitions("documents", [d.document_id for d in docs])

    def dagster_run(d, inst=instance):
        shutil.rmtree(staged_path(staging, d), ignore_errors=True)  # the asset does not force: nothing cached
        res = dg.materialize([document], partition_key=d.document_id, instance=inst, tags={PATH_TAG: str(d.path)})
        status = res.asset_materializations_for_node("document")[0].metadata["status"].value
        if not res.success or status != "extracted":
            raise SystemExit(f"partition {d.document_id}: run success={res.success}, status {status}")

    # first calls pay imports and the instance's storage set-up: timed apart, not in the means
    _, cold_work = _common.timed(lambda: extract_one(docs[0], staging, None, force=True))
    _, cold_dagster = _common.timed(lambda: dagster_run(docs[0]))
    dagster_run(docs[0], ephemeral)

    # interleaved per document, so drifting load on the shared machine hits both alike
    t_work, t_dagster, t_memory, t_discover, pages = [], [], [], [], []
    for d in docs:
        r, t = _common.timed(lambda: extract_one(d, staging, None, force=True))
        if r["status"] != "extracted":
            raise SystemExit(f"{d.path.name}: {r}")
        t_work.append(t)
        pages.append(_page_count(staged_path(staging, d)))
        t_dagster.append(_common.timed(lambda: dagster_run(d))[1])
        t_memory.append(_common.timed(lambda: dagster_run(d, ephemeral))[1])
        t_discover.append(_common.timed(lambda: discover(raw))[1])  # what the asset spends finding its file
    peak = _common.peak_mb()

    t_step = []
    if not a.no_subprocess:
        job = dg.reconstructable(_extract_job)
        for d in docs:
            shutil.rmtree(staged_path(staging, d), ignore_errors=True)
            res, t = _common.timed(lambda: dg.execute_job(job, instance, tags={"dagster/partition": d.document_id,
                                                                         PATH_TAG: str(d.path)}))
            if not res.success or not staged_path(staging, d).exists():
                raise SystemExit(f"partition {d.document_id}: execute_job success={res.success}")
            t_step.append(t)

    w, g = _mean(t_work), _mean(t_dagster)
    print(f"\n== Dagster overhead per partition run ({len(docs)} forged PDFs, "
          f"{_mean(pages):.1f} pages per document: {min(pages)}-{max(pages)})")
    print(f"work: extract_one direct         {w:8.3f} s per document   ({w / _mean(pages):.3f} s/page)")
    print(f"dagster: materialize in-process  {g:8.3f} s per partition")
    print(f"  of which the asset's discover() of the raw folder ~{_mean(t_discover) * 1000:.1f} ms")
    print(f"overhead (dagster - work) / work {(g - w) / w:8.2f}   (target <= 0.1)")
    m = _mean(t_memory)
    print(f"in-memory instance, in-process   {m:8.3f} s per partition   overhead {(m - w) / w:.2f}")
    if t_step:
        s = _mean(t_step)
        print(f"execute_job, step in a process   {s:8.3f} s per partition   overhead {(s - w) / w:.2f}")
    print(f"first call (not in the means): work {cold_work:.3f} s, dagster {cold_dagster:.3f} s")
    print(f"peak RSS of this process (in-process runs): {peak:.1f} MB")
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
