"""The Dagster code location: discover -> extract/normalize/stage -> load (+checks) -> marts.

`dagster dev` from the repo root (see README) shows the graph, the asset checks
(one per Great Expectations suite) and the nightly schedule.
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


@dg.asset(group_name="ingest", description="Every file under the raw folder, identified by SHA-256.")
def raw_documents(context: dg.AssetExecutionContext, config: RefreshConfig) -> list[dict]:
    from .extract import scan

    docs, refused = scan(Path(config.raw_dir))  # each file opened once; links out, FIFOs, too large: refused
    for p in refused:
        context.log.warning(f"{p['source_path']}: {p['error_kind']}: {p['error']}")
    context.add_output_metadata({"documents": len(docs), "bytes": sum(d.size for d in docs), "refused": len(refused)})
    return [{"path": str(d.path), "sha256": d.sha256, "size": d.size, "file_type": d.file_type} for d in docs]


@dg.asset(group_name="ingest", retry_policy=dg.RetryPolicy(max_retries=2, delay=10),
          description="Extract (text exports, PDF via camelot) and normalise each document into staged Parquet; "
                      "documents already staged with the same content and parser version are skipped.")
def staged_documents(context: dg.AssetExecutionContext, config: RefreshConfig, raw_documents: list[dict]) -> list[str]:
    from .extract import Discovered, staged_path
    from .refresh import extract_all, outside_raw, read_manifest, superseded_versions
    from .warehouse import refresh_lock

    wh = Path(config.warehouse)
    staging = staging_dir(wh)
    manifest, problems = read_manifest(Path(config.raw_dir))
    for p in problems:
        context.log.warning(f"{p['source_path']}: {p['error']}")
    seen, docs = set(), []
    for r in raw_documents:
        d = Discovered(Path(r["path"]), r["sha256"], r["size"], r["file_type"])
        if d.sha256 in seen or d.path.name == "manifest.json":
            continue
        seen.add(d.sha256)
        docs.append(d)
    docs, outside = outside_raw(docs, Path(config.raw_dir))
    for p in outside:
        context.log.warning(f"{p['source_path']}: {p['error']}")
    # each document in a child process under the limits of pipelines/limits.py (CNBUDGET_* variables)
    with refresh_lock(wh):
        results = extract_all(docs, staging, manifest, force=config.force)
    counts = {"extracted": 0, "cached": 0, "error": 0}
    for d, res in zip(docs, results):
        counts[res["status"]] += 1
        if res["status"] == "error":
            context.log.warning(f"could not read {d.path}: {res['error']}")
    out = [str(staged_path(staging, d)) for d in docs] + [str(p) for p in superseded_versions(docs, staging)]
    context.add_output_metadata(counts)
    return out


@dg.asset(group_name="warehouse",
          description="Build the DuckDB star schema in a new file from the staged Parquet, run the reconciliation "
                      "checks (SQL + Great Expectations), create the marts, and swap the file in atomically.",
          check_specs=[dg.AssetCheckSpec(name=f"gx_{fam}", asset="warehouse",
                                         description=f"Great Expectations suite cnbudget.{fam}")
                       for fam in sorted({r.family for r in load_rules().values()})])
def warehouse(context: dg.AssetExecutionContext, config: RefreshConfig, staged_documents: list[str],
              raw_documents: list[dict]):
    from .warehouse import build, connect_readonly, refresh_lock
    from .sqlfiles import sql_text

    wh = Path(config.warehouse)
    # where each document is now (the first of duplicate files, as staged_documents takes them): a staged record
    # keeps the path it was first extracted from
    paths: dict[str, str] = {}
    for r in raw_documents:
        if Path(r["path"]).name != "manifest.json":
            paths.setdefault(r["sha256"][:16], str(r["path"]))
    with refresh_lock(wh):
        stats = build([Path(p) for p in staged_documents], wh, paths=paths)
    con = connect_readonly(wh)
    rows = con.execute(sql_text("family_results.sql", "marts_io"), {"run_id": stats["run_id"]}).fetchall()
    con.close()
    yield dg.MaterializeResult(metadata={
        "documents": stats["documents"], "facts": stats["facts"], "findings_error": stats["findings_error"],
        "findings_warn": stats["findings_warn"], "data_docs": str(stats["dq"]["data_docs"]),
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
          description="The self-contained HTML data-quality dashboard under <warehouse dir>/dq/.")
def dq_dashboard(context: dg.AssetExecutionContext, config: RefreshConfig):
    from .dashboard import render

    path = render(Path(config.warehouse))
    context.add_output_metadata({"path": dg.MetadataValue.path(str(path))})


# ------------------------------------------------------------------ partitioned extraction
documents_partitions = dg.DynamicPartitionsDefinition(name="documents")
PATH_TAG = "cnbudget/path"


@dg.asset(group_name="ingest_partitioned", partitions_def=documents_partitions,
          retry_policy=dg.RetryPolicy(max_retries=2, delay=10),
          description="One document (partition key: the first 16 hex digits of its SHA-256) extracted and staged; "
                      "the new-file sensor adds the partitions, a backfill fans them out over processes.")
def document(context: dg.AssetExecutionContext) -> None:
    from .extract import Discovered, discover, extract_one
    from .refresh import read_manifest

    key = context.partition_key
    raw = current_raw()
    path = context.run.tags.get(PATH_TAG)
    found = None
    if path and Path(path).exists():
        found = next((d for d in discover(Path(path).parent) if d.path == Path(path)), None)
    if found is None or found.document_id != key:  # no tag, or the file changed: look the key up
        found = next((d for d in discover(raw) if d.document_id == key), None)
    if found is None:
        raise dg.Failure(f"no file under {raw} has document id {key}")
    manifest, _ = read_manifest(raw)
    res = extract_one(found, staging_dir(current_warehouse()), manifest.get(str(found.path.resolve())))
    context.add_output_metadata({"path": str(found.path), "status": res["status"], "error": str(res.get("error"))})


extract_job = dg.define_asset_job("extract_documents", selection=[document],
                                  description="Extract documents partition by partition (backfills).")


def celery_extract_executor() -> dg.ExecutorDefinition:
    """dagster-celery: each partition run's step goes to the broker and runs on a Celery worker
    (``celery -A pipelines.celery_worker worker``); broker and backend from CNBUDGET_CELERY_BROKER/_BACKEND."""
    from dagster_celery import celery_executor

    broker, backend = celery_urls()
    return celery_executor.configured({"broker": broker, "backend": backend}, name="celery_extract")


extract_celery_job = dg.define_asset_job(
    "extract_documents_celery", selection=[document], executor_def=celery_extract_executor(),
    description="The same document partitions, executed on Celery workers past one machine.")

refresh_job = dg.define_asset_job("refresh", selection=dg.AssetSelection.all() - dg.AssetSelection.assets(document),
                                  description="Refresh the warehouse from the raw folder.")


def _raw_listing(raw: Path) -> dict[str, list[int]]:
    out = {}
    for p in sorted(raw.rglob("*")):
        if p.is_file() and not p.name.startswith("."):
            st = p.stat()
            out[str(p)] = [st.st_size, st.st_mtime_ns]
    return out


@dg.sensor(jobs=[extract_job, refresh_job], minimum_interval_seconds=60,
           default_status=dg.DefaultSensorStatus.RUNNING,
           description="Watches the raw folder: a new or changed file becomes a document partition, is extracted, "
                       "and a refresh rebuilds the warehouse.")
def new_documents(context: dg.SensorEvaluationContext):
    from .extract import SUPPORTED, sha256_of

    raw = current_raw()
    listing = _raw_listing(raw)
    before = json.loads(context.cursor) if context.cursor else {}
    changed = [p for p, st in listing.items() if before.get(p) != st]
    if not changed and set(before) == set(listing):
        return dg.SkipReason("no new or changed file under the raw folder")
    known = set(context.instance.get_dynamic_partitions("documents"))
    keys: dict[str, str] = {}
    for p in changed:
        if Path(p).suffix.lower() in SUPPORTED:
            keys.setdefault(sha256_of(Path(p))[:16], p)
    new_keys = sorted(k for k in keys if k not in known)
    runs = [dg.RunRequest(job_name="extract_documents", partition_key=k, run_key=f"extract-{k}",
                          tags={PATH_TAG: keys[k]}) for k in new_keys]
    digest = hashlib.sha256(json.dumps(listing, sort_keys=True).encode()).hexdigest()[:16]
    runs.append(dg.RunRequest(job_name="refresh", run_key=f"refresh-{digest}"))
    return dg.SensorResult(run_requests=runs, cursor=json.dumps(listing),
                           dynamic_partitions_requests=[documents_partitions.build_add_request(new_keys)]
                           if new_keys else [])


@dg.run_failure_sensor(name="record_run_failures", default_status=dg.DefaultSensorStatus.RUNNING,
                       description="Records every failed run where the data-quality dashboard shows it.")
def record_run_failures(context: dg.RunFailureSensorContext):
    from .dashboard import record_run_failure

    record_run_failure(current_warehouse(), {
        "run_id": context.dagster_run.run_id, "job": context.dagster_run.job_name,
        "message": context.failure_event.message or "", "partition": context.dagster_run.tags.get("dagster/partition")})

nightly = dg.ScheduleDefinition(name="nightly_refresh", job=refresh_job, cron_schedule="0 2 * * *",
                                execution_timezone="Asia/Shanghai", default_status=dg.DefaultScheduleStatus.RUNNING)

defs = dg.Definitions(assets=[raw_documents, staged_documents, warehouse, marts, dq_dashboard, document],
                      jobs=[refresh_job, extract_job, extract_celery_job], schedules=[nightly],
                      sensors=[new_documents, record_run_failures])
