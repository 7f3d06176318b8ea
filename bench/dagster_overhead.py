"""Dagster benchmark (make bench), each ratio against a baseline measured in the same run, on forged documents
(default 200: 50 counties x 2 years x 2 departments; truth files kept apart).

Part 1 — nothing new through Dagster (issue 16: <= 0.05)
  full         = the ``refresh`` job (raw_documents -> staged_documents -> warehouse -> marts, dq_dashboard) on a
                 fresh warehouse, dg.execute_job in an on-disk (SQLite) instance, preceded by the schedule tick
                 that decides to start it
  nothing new  = the schedule tick ``nightly_refresh`` with nothing changed (up_to_date: hashes the raw folder,
                 compares the live build's fingerprint; SkipReason, no run); also the sensor ``new_documents``
                 evaluated from its cursor (stat of the raw folder) and from scratch (discovery + up_to_date)
  run anyway   = the refresh job launched with nothing new (for information: publish finds the live warehouse
                 unchanged and builds nothing)

Part 2 — Dagster overhead per partition run (issue 16: <= 0.1 of its work)
  partitions   = the documents packed into batches as the sensor packs them (pipelines.batches, default budget)
  work         = pipelines.refresh.extract_all(batch, staging, {}, force=True), called directly (child processes
                 under the limits, as the CLI does)
  in-process   = the batch materialised as its partition of ``document_batch`` with dg.materialize (in-process
                 executor, the executor of the extract_documents job), its staged output removed first
  multiprocess = the same through dg.execute_job on a job with Dagster's default multiprocess executor (the step
                 in a process of its own)
  launched run = ``dagster job execute -j extract_documents`` in a process of its own, as the daemon launches a
                 run (process start, imports, loading the code location, then the in-process run)
  overhead     = (dagster - work) / work per batch, runs alternating batch by batch, on wall time and on CPU time
                 (this process + finished descendants: the extraction children, step process, launched run — the
                 cost of a run, which the load of other sessions on the shared machine inflates far less)

Usage: python bench/dagster_overhead.py [--docs 200] [--skip-overhead] [--skip-noop] [--keep DIR]
(make bench runs part 1 on 200 documents and part 2 on 600: two batches of the default budget, 300 documents)
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import _common  # noqa: E402


def _multiprocess_batch_job():
    """The batch partitions under Dagster's default multiprocess executor (for dg.reconstructable)."""
    import dagster as dg

    from pipelines.definitions import document_batch

    job = dg.define_asset_job("extract_batches_multiprocess", selection=[document_batch],
                              executor_def=dg.multiprocess_executor)
    return dg.Definitions(assets=[document_batch], jobs=[job]).resolve_job_def("extract_batches_multiprocess")


def _refresh_job():
    from pipelines.definitions import defs

    return defs.resolve_job_def("refresh")


def _mean(xs):
    return sum(xs) / len(xs)


def _cpu() -> float:
    """CPU seconds of this process and of its finished descendants (the extraction children, a step process,
    a launched run): the cost of a run, which other sessions' load on the shared machine does not inflate."""
    import resource

    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


def _timed_cpu(fn) -> tuple[float, float]:
    c = _cpu()
    _, wall = _common.timed(fn)
    return wall, _cpu() - c


def _instance(home: Path):
    import dagster as dg

    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    return dg.DagsterInstance.local_temp(str(home))


def noop_part(raw: Path, work: Path):
    import dagster as dg

    from pipelines.definitions import new_documents, nightly, refresh_run_config

    wh = work / "noop" / "budget.duckdb"
    os.environ["CNBUDGET_RAW"], os.environ["CNBUDGET_WAREHOUSE"] = str(raw), str(wh)
    instance = _instance(work / "noop_home")
    job = dg.reconstructable(_refresh_job)

    def tick():
        return nightly(dg.build_schedule_context(instance=instance))

    def run():
        res = dg.execute_job(job, instance, run_config=refresh_run_config(raw, wh).to_config_dict())
        if not res.success:
            raise SystemExit("refresh run failed")
        mats = {e.asset_key.to_user_string(): e.step_materialization_data.materialization.metadata
                for e in res.get_asset_materialization_events()}
        return mats

    first, t_tick0 = _common.timed(tick)
    assert isinstance(first, dg.RunRequest), first
    mats, t_full = _common.timed(run)
    wmeta = mats["warehouse"]
    if wmeta["unchanged"].value:
        raise SystemExit("the full refresh did not build")
    st = wh.stat()
    skip, t_noop = _common.timed(tick)
    if not isinstance(skip, dg.SkipReason):
        raise SystemExit(f"schedule tick with nothing new: {skip}")
    _, t_noop2 = _common.timed(tick)
    ctx = dg.build_sensor_context(instance=instance)
    first_eval = new_documents(ctx)  # from scratch: every document staged, none batched, up to date
    if first_eval.run_requests:
        raise SystemExit(f"sensor with nothing new requested {first_eval.run_requests}")
    _, t_sensor_scratch = _common.timed(lambda: new_documents(dg.build_sensor_context(instance=instance)))
    cur, t_sensor = _common.timed(lambda: new_documents(dg.build_sensor_context(instance=instance,
                                                                                cursor=first_eval.cursor)))
    assert isinstance(cur, dg.SkipReason), cur
    mats2, t_again = _common.timed(run)
    if not mats2["warehouse"]["unchanged"].value or wh.stat().st_ino != st.st_ino:
        raise SystemExit("a refresh with nothing new rebuilt the warehouse")
    staged = mats2["staged_documents"]

    full = t_tick0 + t_full
    noop = min(t_noop, t_noop2)
    print(f"\n== Nothing new through Dagster ({wmeta['documents'].value} documents, {wmeta['facts'].value} facts)")
    print(f"full: schedule tick {t_tick0:.3f} s + refresh run {t_full:.2f} s        = {full:8.2f} s")
    print(f"nothing new: schedule tick (up_to_date, no run)           {noop:8.3f} s   ÷ full {noop / full:.4f}"
          f"   (target <= 0.05)")
    print(f"             sensor from its cursor (stat only)           {t_sensor:8.3f} s   ÷ full {t_sensor / full:.4f}")
    print(f"             sensor from scratch (discovery + up_to_date) {t_sensor_scratch:8.3f} s   "
          f"÷ full {t_sensor_scratch / full:.4f}")
    print(f"a refresh run launched anyway: {t_again:.2f} s (÷ full {t_again / full:.3f}); warehouse unchanged "
          f"(same file), staged {staged['cached'].value} cached / {staged['extracted'].value} extracted")


def overhead_part(raw: Path, work: Path, no_launch: bool):
    import dagster as dg

    from pipelines import batches
    from pipelines.config import staging_dir
    from pipelines.definitions import document_batch
    from pipelines.extract import discover, staged_path
    from pipelines.limits import Limits
    from pipelines.refresh import extract_all

    wh = work / "batches" / "budget.duckdb"
    os.environ["CNBUDGET_RAW"], os.environ["CNBUDGET_WAREHOUSE"] = str(raw), str(wh)
    staging = staging_dir(wh)
    home = work / "batch_home"
    instance = _instance(home)
    docs = discover(raw)
    plan = batches.plan(docs)
    keys = [batches.record(wh, m) for m in plan]
    instance.add_dynamic_partitions("document_batches", keys)
    limits = Limits.from_env()
    mp_job = dg.reconstructable(_multiprocess_batch_job)
    env = dict(os.environ, DAGSTER_HOME=str(home), PYTHONPATH=str(ROOT))

    def clear(members):
        for d in members:
            shutil.rmtree(staged_path(staging, d), ignore_errors=True)

    def check(members, what):
        missing = [d for d in members if not (staged_path(staging, d) / "document.json").exists()]
        if missing:
            raise SystemExit(f"{what}: {len(missing)} documents not staged")

    def direct(members):
        res = extract_all(members, staging, {}, force=True, limits=limits)
        if any(r["status"] != "extracted" for r in res):
            raise SystemExit(f"direct extraction: {[r for r in res if r['status'] != 'extracted'][:2]}")

    def in_process(key, members):
        clear(members)
        res = dg.materialize([document_batch], partition_key=key, instance=instance)
        meta = res.asset_materializations_for_node("document_batch")[0].metadata
        if not res.success or meta["extracted"].value != len(members):
            raise SystemExit(f"batch {key}: success={res.success}, extracted {meta['extracted'].value}")

    def multiprocess(key, members):
        clear(members)
        res = dg.execute_job(mp_job, instance, tags={"dagster/partition": key})
        if not res.success:
            raise SystemExit(f"batch {key}: execute_job failed")
        check(members, "multiprocess")

    def launched(key, members):
        clear(members)
        p = subprocess.run([str(Path(sys.executable).parent / "dagster"), "job", "execute", "-m", "pipelines.definitions",
                            "-j", "extract_documents", "--tags", json.dumps({"dagster/partition": key})],
                           cwd=ROOT, env=env, capture_output=True, text=True)
        if p.returncode != 0:
            raise SystemExit(f"batch {key}: dagster job execute failed:\n{p.stderr[-2000:]}")
        check(members, "launched run")

    # first calls pay imports and the instance's storage set-up: a warm-up batch run, not timed
    in_process(keys[0], plan[0])
    t = {"work": [], "in-process": [], "multiprocess": [], "launched": []}  # (wall, cpu) per run
    for key, members in zip(keys, plan):
        t["work"].append(_timed_cpu(lambda: direct(members)))
        t["in-process"].append(_timed_cpu(lambda: in_process(key, members)))
        t["multiprocess"].append(_timed_cpu(lambda: multiprocess(key, members)))
        if not no_launch:
            t["launched"].append(_timed_cpu(lambda: launched(key, members)))
        t["work"].append(_timed_cpu(lambda: direct(members)))  # work before and after each batch's runs
    sizes = [len(m) for m in plan]
    mb = [sum(d.size for d in m) / 2**20 for m in plan]
    # the work of a batch: the mean of the direct runs before and after its Dagster runs
    w = [tuple((a[i] + b[i]) / 2 for i in (0, 1)) for a, b in zip(t["work"][::2], t["work"][1::2])]
    print(f"\n== Dagster overhead per partition run: {len(plan)} batches of {min(sizes)}-{max(sizes)} documents "
          f"({min(mb):.1f}-{max(mb):.1f} MB; budget {batches.budget()[0] / 2**20:.0f} MB or "
          f"{batches.budget()[1]} documents), {limits.workers} extraction workers, load average "
          f"{os.getloadavg()[0]:.2f}")
    print(f"{'':38s}  {'wall s':>8s} {'overhead':>9s}   {'CPU s':>8s} {'overhead':>9s}  per batch (CPU)")
    print(f"{'work: extract_all direct':38s}  {_mean([x[0] for x in w]):8.2f} {'':9s}   "
          f"{_mean([x[1] for x in w]):8.2f}")
    for name, label in (("in-process", "materialize, in-process executor"),
                        ("multiprocess", "execute_job, multiprocess executor"),
                        ("launched", "dagster job execute (own process)")):
        if not t[name]:
            continue
        wall = _mean([(g[0] - x[0]) / x[0] for g, x in zip(t[name], w)])
        per = [(g[1] - x[1]) / x[1] for g, x in zip(t[name], w)]
        verdict = "meets" if _mean(per) <= 0.1 else "does not meet"
        print(f"{label:38s}  {_mean([g[0] for g in t[name]]):8.2f} {wall:9.3f}   {_mean([g[1] for g in t[name]]):8.2f} "
              f"{_mean(per):9.3f}  {', '.join(f'{x:.3f}' for x in per)} ({verdict} <= 0.1)")
    print(f"direct runs of the same batch differ by {_mean([abs(a[0] - b[0]) / ((a[0] + b[0]) / 2) for a, b in zip(t['work'][::2], t['work'][1::2])]):.3f} "
          f"(wall) and {_mean([abs(a[1] - b[1]) / ((a[1] + b[1]) / 2) for a, b in zip(t['work'][::2], t['work'][1::2])]):.3f} (CPU): "
          "the noise of this machine on these figures")
    print(f"peak RSS of this process: {_common.peak_mb():.1f} MB")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=200, help="forged documents (4 per county: 2 years x 2 departments)")
    ap.add_argument("--skip-noop", action="store_true")
    ap.add_argument("--skip-overhead", action="store_true")
    ap.add_argument("--no-launch", action="store_true", help="skip the `dagster job execute` figure")
    ap.add_argument("--keep", type=Path)
    a = ap.parse_args()
    work = a.keep or Path(tempfile.mkdtemp(prefix="cnbudget-bench-dagster-"))
    raw = work / "raw"

    from pipelines.forge import forge

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; work dir {work}")
    if not raw.exists():
        forge(raw, counties=max(1, a.docs // 4), years=2, departments=2, truth=work / "truth")
    print(f"forged documents: {sum(1 for _ in raw.glob('*.pdf'))}")
    if not a.skip_noop:
        noop_part(raw, work)
    if not a.skip_overhead:
        overhead_part(raw, work, a.no_launch)
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
