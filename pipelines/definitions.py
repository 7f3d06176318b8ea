"""The Dagster code location: discover -> extract/normalize/stage -> publish (+checks) -> marts.

`dagster dev` from the repo root (see README) shows the graph, the asset checks
(one per Great Expectations suite), the new-file sensor and the nightly schedule.

The refresh job follows the CLI's path (:func:`pipelines.refresh._refresh`): ``raw_documents`` is
:func:`~pipelines.refresh.discover_inputs`, ``staged_documents`` is :func:`~pipelines.refresh.extract_all` (child
processes under the limits), ``warehouse`` is :func:`~pipelines.warehouse.publish` (no build when the live
warehouse already is this build). Extraction fans out in *batches* of documents (:mod:`pipelines.batches`), one
dynamic partition per batch; the sensor and the schedule start nothing when
:func:`~pipelines.refresh.up_to_date` says a refresh would change nothing.
"""

import hashlib
import json
from pathlib import Path

import dagster as dg

from .config import RAW_DIR, WAREHOUSE, celery_urls, current_raw, current_warehouse, staging_dir
from .checks import load_rules


class RefreshConfig(dg.Config):
    raw_dir: str = str(RAW_DIR)
    warehouse: str = str(WAREHOUSE)
    force: bool = False


REFRESH_ASSETS = ("raw_documents", "staged_documents", "warehouse", "marts", "dq_dashboard")


def refresh_run_config(raw: Path, warehouse: Path, force: bool = False) -> dg.RunConfig:
    """The refresh job's config for these folders (what a sensor or schedule checked is what the run reads)."""
    cfg = RefreshConfig(raw_dir=str(raw), warehouse=str(warehouse), force=force)
    return dg.RunConfig({k: cfg for k in REFRESH_ASSETS})


@dg.asset(group_name="ingest", description="Every file under the raw folder, identified by SHA-256 (the CLI's "
                                           "discovery: duplicates, manifest overrides, refused files).")
def raw_documents(context: dg.AssetExecutionContext, config: RefreshConfig) -> dict:
    from .limits import Limits
    from .refresh import WarehouseInRaw, check_placement, discover_inputs

    raw, wh = Path(config.raw_dir), Path(config.warehouse)
    if not raw.is_dir():
        raise dg.Failure(f"raw folder {raw} does not exist")
    try:
        check_placement(raw, wh)
    except WarehouseInRaw as e:
        raise dg.Failure(str(e)) from None
    unique, duplicates, manifest, extra_errors = discover_inputs(raw, staging_dir(wh), Limits.from_env())
    for p in extra_errors:  # manifest problems and refused files: recorded as ingest errors by the build
        context.log.warning(f"{p['source_path']}: {p['error_kind']}: {p['error']}")
    context.add_output_metadata({"documents": len(unique), "bytes": sum(d.size for d in unique),
                                 "duplicates": len(duplicates), "refused": len(extra_errors)})
    return {"documents": [list(d.fields()) for d in unique],
            "duplicates": [[str(a.path), str(b.path)] for a, b in duplicates],
            "manifest": manifest, "extra_errors": extra_errors}


@dg.asset(group_name="ingest", retry_policy=dg.RetryPolicy(max_retries=2, delay=10),
          description="Extract (text exports, PDF via camelot) and normalise each document into staged Parquet, "
                      "in child processes under the limits; documents already staged with the same content and "
                      "parser version are skipped (those the batch partitions staged included).")
def staged_documents(context: dg.AssetExecutionContext, config: RefreshConfig, raw_documents: dict) -> dict:
    from .extract import Discovered, staged_path
    from .limits import Limits
    from .refresh import extract_all, superseded_versions
    from .warehouse import refresh_lock

    wh = Path(config.warehouse)
    staging = staging_dir(wh)
    limits = Limits.from_env()
    docs = [Discovered.from_fields(f) for f in raw_documents["documents"]]
    with refresh_lock(wh):
        results = extract_all(docs, staging, raw_documents["manifest"], force=config.force, limits=limits)
    counts = {"extracted": 0, "cached": 0, "error": 0}
    for d, res in zip(docs, results):
        counts[res["status"]] += 1
        if res["status"] == "error":
            context.log.warning(f"could not read {d.path}: {res['error']}")
    extra_errors = raw_documents["extra_errors"] + [r["record"] for r in results if r.get("record")]
    staged = [staged_path(staging, d) for d in docs] + superseded_versions(docs, staging, limits)
    context.add_output_metadata({**counts, "staged": len(staged)})
    return {"staged": [str(p) for p in staged], "extra_errors": extra_errors,
            "paths": {d.document_id: str(d.path) for d in docs}}


@dg.asset(group_name="warehouse",
          description="Bring the DuckDB warehouse to the staged inputs (pipelines.warehouse.publish): nothing when "
                      "the live warehouse already is this build, else load into a new file, run the reconciliation "
                      "checks (SQL + Great Expectations), create the marts and swap the file in atomically.",
          check_specs=[dg.AssetCheckSpec(name=f"gx_{fam}", asset="warehouse",
                                         description=f"Great Expectations suite cnbudget.{fam}")
                       for fam in sorted({r.family for r in load_rules().values()})])
def warehouse(context: dg.AssetExecutionContext, config: RefreshConfig, staged_documents: dict):
    from .warehouse import connect_readonly, publish, refresh_lock
    from .sqlfiles import sql_text

    wh = Path(config.warehouse)
    with refresh_lock(wh):
        stats = publish([Path(p) for p in staged_documents["staged"]], wh,
                        extra_errors=staged_documents["extra_errors"], paths=staged_documents["paths"],
                        full=config.force)
    if stats["unchanged"]:
        context.log.info("the live warehouse already is this build: nothing rebuilt")
    con = connect_readonly(wh)
    # the check results of the build that made the live file (this run's, or the earlier one when unchanged)
    rows = con.execute(sql_text("family_results.sql", "marts_io"), {"run_id": stats["run_id"]}).fetchall()
    con.close()
    yield dg.MaterializeResult(metadata={
        "unchanged": bool(stats["unchanged"]), "seconds": float(stats["seconds"]),
        "documents": stats["documents"], "facts": stats["facts"], "findings_error": stats["findings_error"],
        "findings_warn": stats["findings_warn"], "data_docs": str(stats["dq"]["data_docs"] or ""),
        "path": str(wh)})
    for fam, evaluated, failed, gating_failed in rows:
        # a suite "fails" the asset check only where gating rules found something; warnings are reported
        yield dg.AssetCheckResult(
            check_name=f"gx_{fam}", passed=gating_failed == 0,
            severity=dg.AssetCheckSeverity.ERROR if gating_failed else dg.AssetCheckSeverity.WARN,
            metadata={"instances": int(evaluated), "findings": int(failed), "gating_findings": int(gating_failed)})


@dg.asset(group_name="marts", deps=[warehouse],
          description="Analyst views in schema marts (documents, budget_lines, performance_targets, projects, "
                      "dq_findings); row counts as metadata.")
def marts(context: dg.AssetExecutionContext, config: RefreshConfig):
    from .sqlfiles import sql_text
    from .warehouse import connect_readonly

    con = connect_readonly(Path(config.warehouse))
    counts = dict(con.execute(sql_text("mart_counts.sql", "marts_io")).fetchall())
    con.close()
    context.add_output_metadata({k: int(v) for k, v in counts.items()})


@dg.asset(group_name="marts", deps=[warehouse],
          description="The self-contained HTML data-quality dashboard under <warehouse dir>/dq/ (not rendered again "
                      "when it is newer than the warehouse and the failed-runs record).")
def dq_dashboard(context: dg.AssetExecutionContext, config: RefreshConfig):
    from .dashboard import failures_file, render

    wh = Path(config.warehouse)
    out = wh.parent / "dq" / "dashboard.html"
    inputs = [p.stat().st_mtime_ns for p in (wh, failures_file(wh)) if p.exists()]
    fresh = out.exists() and out.stat().st_mtime_ns > max(inputs)
    path = out if fresh else render(wh)
    context.add_output_metadata({"path": dg.MetadataValue.path(str(path)), "unchanged": fresh})


# ------------------------------------------------------------------ partitioned extraction: batches
batch_partitions = dg.DynamicPartitionsDefinition(name="document_batches")


@dg.asset(group_name="ingest_partitioned", partitions_def=batch_partitions,
          retry_policy=dg.RetryPolicy(max_retries=2, delay=10),
          description="One batch of documents (pipelines.batches: key = digest of its members' document ids, "
                      "membership in <warehouse dir>/batches/<key>.json) extracted and staged through extract_all "
                      "(child processes under the limits, like the CLI); the new-file sensor adds the partitions, "
                      "a backfill fans them out (locally or on Celery workers).")
def document_batch(context: dg.AssetExecutionContext) -> None:
    from . import batches
    from .limits import Limits
    from .refresh import extract_all, outside_raw, read_manifest

    key = context.partition_key
    raw, wh = current_raw(), current_warehouse()
    try:
        docs = batches.members(wh, key)
    except FileNotFoundError:
        raise dg.Failure(f"no batch {key} is recorded under {batches.batches_dir(wh)}") from None
    manifest, _ = read_manifest(raw)  # its problems are recorded by the refresh
    docs, outside = outside_raw(docs, raw)
    results = extract_all(docs, staging_dir(wh), manifest, limits=Limits.from_env())
    counts = {"extracted": 0, "cached": 0, "error": 0}
    not_read = 0
    for d, res in zip(docs, results):
        counts[res["status"]] += 1
        if res.get("record"):  # gone, changed or refused since the batch was made: the refresh records it
            not_read += 1
        if res["status"] == "error":
            context.log.warning(f"could not read {d.path}: {res['error']}")
    context.add_output_metadata({"documents": len(docs) + len(outside), **counts, "not_read": not_read + len(outside),
                                 "bytes": sum(d.size for d in docs)})


# a batch run is one step whose work already fans out over extract_all's child processes: the in-process
# executor spares a step process (~3 s of imports a run, see bench/RESULTS.md)
extract_job = dg.define_asset_job("extract_documents", selection=[document_batch], executor_def=dg.in_process_executor,
                                  description="Extract document batches partition by partition (backfills).")


def celery_extract_executor() -> dg.ExecutorDefinition:
    """dagster-celery: each batch run's step goes to the broker and runs on a Celery worker
    (``celery -A pipelines.celery_worker worker``); broker and backend from CNBUDGET_CELERY_BROKER/_BACKEND."""
    from dagster_celery import celery_executor

    broker, backend = celery_urls()
    return celery_executor.configured({"broker": broker, "backend": backend}, name="celery_extract")


extract_celery_job = dg.define_asset_job(
    "extract_documents_celery", selection=[document_batch], executor_def=celery_extract_executor(),
    description="The same batch partitions, executed on Celery workers past one machine.")

# in-process too: the steps form a chain, extraction runs in extract_all's child processes and the build in DuckDB's
# threads, so a process per step would only add its start-up (~2-3 s each) to every refresh
refresh_job = dg.define_asset_job("refresh", selection=dg.AssetSelection.all() - dg.AssetSelection.assets(document_batch),
                                  executor_def=dg.in_process_executor,
                                  description="Refresh the warehouse from the raw folder.")

EXTRACT_JOBS = ("extract_documents", "extract_documents_celery")
_IN_PROGRESS = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
                dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]


def _raw_listing(raw: Path) -> dict[str, list[int]]:
    out = {}
    for p in sorted(raw.rglob("*")):
        if p.is_file() and not p.name.startswith("."):
            st = p.stat()
            out[str(p)] = [st.st_size, st.st_mtime_ns]
    return out


def _extractions_in_progress(instance: dg.DagsterInstance) -> int:
    return sum(len(instance.get_runs(dg.RunsFilter(job_name=j, statuses=_IN_PROGRESS), limit=1)) for j in EXTRACT_JOBS)


def _new_batches(raw: Path, wh: Path, known: set[str]) -> tuple[list[str], list[str]]:
    """(batch keys to add as partitions, batch keys to run): the documents of the raw folder that are neither
    staged nor in a recorded batch, packed into new batches; plus recorded batches that never became a partition
    (an evaluation lost before its result was applied) and still have unstaged documents."""
    from . import batches
    from .extract import staged_path
    from .limits import Limits
    from .refresh import discover_inputs

    staging = staging_dir(wh)
    unique, _, _, _ = discover_inputs(raw, staging, Limits.from_env())
    recorded = batches.recorded(wh)
    batched = {i for ids in recorded.values() for i in ids}
    unstaged = {d.document_id for d in unique if not (staged_path(staging, d) / "document.json").exists()}
    fresh = [batches.record(wh, m) for m in batches.plan(d for d in unique if d.document_id in unstaged
                                                          and d.document_id not in batched)]
    lost = [k for k, ids in recorded.items() if k not in known and unstaged.intersection(ids)]
    add = sorted(set(fresh + lost) - known)
    return add, sorted(set(fresh + lost))


@dg.sensor(jobs=[extract_job, refresh_job], minimum_interval_seconds=60,
           default_status=dg.DefaultSensorStatus.RUNNING,
           description="Watches the raw folder: new or changed documents are packed into batch partitions and "
                       "extracted by their runs; once no batch run is in progress, a refresh run is requested "
                       "unless the warehouse is up to date.")
def new_documents(context: dg.SensorEvaluationContext):
    from .refresh import up_to_date

    raw, wh = current_raw(), current_warehouse()
    listing = _raw_listing(raw)  # stat only: the cheap test of "nothing changed"
    state = json.loads(context.cursor) if context.cursor else {}
    if state and "listing" not in state:  # a cursor of the one-document sensor: the listing itself
        state = {"listing": state, "pending": True}
    pending = state.get("pending", False)
    if state.get("listing") == listing and not pending:
        return dg.SkipReason("no new or changed file under the raw folder")
    if state.get("listing") != listing:
        add, run = _new_batches(raw, wh, set(context.instance.get_dynamic_partitions(batch_partitions.name)))
        if run:  # the refresh waits for these runs (a later evaluation requests it)
            return dg.SensorResult(
                run_requests=[dg.RunRequest(job_name="extract_documents", partition_key=k, run_key=f"batch-{k}")
                              for k in run],
                dynamic_partitions_requests=[batch_partitions.build_add_request(add)] if add else [],
                cursor=json.dumps({"listing": listing, "pending": True}))
    waiting = _extractions_in_progress(context.instance)
    if waiting:
        return dg.SensorResult(skip_reason="waiting for batch runs to finish before the refresh",
                               cursor=json.dumps({"listing": listing, "pending": True}))
    done = json.dumps({"listing": listing, "pending": False})
    if up_to_date(raw, wh):
        return dg.SensorResult(skip_reason="the warehouse is up to date with the raw folder", cursor=done)
    digest = hashlib.sha256(json.dumps([listing, _live(wh)], sort_keys=True).encode()).hexdigest()[:16]
    return dg.SensorResult(run_requests=[dg.RunRequest(job_name="refresh", run_key=f"refresh-{digest}",
                                                       run_config=refresh_run_config(raw, wh))], cursor=done)


def _live(wh: Path) -> str | None:
    from .warehouse import live_fingerprint

    return live_fingerprint(wh)


@dg.schedule(name="nightly_refresh", job=refresh_job, cron_schedule="0 2 * * *",
             execution_timezone="Asia/Shanghai", default_status=dg.DefaultScheduleStatus.RUNNING,
             description="Refresh nightly, unless the warehouse is up to date with the raw folder (then no run).")
def nightly(context: dg.ScheduleEvaluationContext):
    from .refresh import up_to_date

    raw, wh = current_raw(), current_warehouse()
    if up_to_date(raw, wh):
        return dg.SkipReason("the warehouse is up to date with the raw folder: nothing to refresh")
    return dg.RunRequest(run_config=refresh_run_config(raw, wh))


@dg.run_failure_sensor(name="record_run_failures", default_status=dg.DefaultSensorStatus.RUNNING,
                       description="Records every failed run where the data-quality dashboard shows it.")
def record_run_failures(context: dg.RunFailureSensorContext):
    from .dashboard import record_run_failure

    record_run_failure(current_warehouse(), {
        "run_id": context.dagster_run.run_id, "job": context.dagster_run.job_name,
        "message": context.failure_event.message or "", "partition": context.dagster_run.tags.get("dagster/partition")})


defs = dg.Definitions(assets=[raw_documents, staged_documents, warehouse, marts, dq_dashboard, document_batch],
                      jobs=[refresh_job, extract_job, extract_celery_job], schedules=[nightly],
                      sensors=[new_documents, record_run_failures])
