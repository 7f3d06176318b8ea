"""The distributed engine, for real, on loopback: four batch partitions (two documents each) of
``extract_documents_celery`` run through dagster-celery on two Celery workers over the machine's Redis, with the shipped server-backed
instance (deploy/dagster.celery.yaml: PostgreSQL storage). The staged output and the warehouse built from
it must equal a local run of the same documents.

Redis (127.0.0.1:6379) and PostgreSQL (127.0.0.1:5432) are services of the project's machine kind; when one
is down this test fails, it does not skip. It uses its own Redis database number (flushed before and
after) and its own PostgreSQL database (dropped after).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import psycopg2
import pytest
import redis

from pipelines import batches
from pipelines.extract import discover
from pipelines.forge import forge
from pipelines.refresh import extract_all
from pipelines.warehouse import build

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
REDIS_DB = 13
BROKER = f"redis://127.0.0.1:6379/{REDIS_DB}"
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "password": ""}


@pytest.fixture()
def pg_database():
    name = f"cnbudget_celery_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(dbname="postgres", **PG)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')  # a generated identifier; DDL takes no bind parameter
    yield name
    admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture()
def broker():
    r = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    r.flushdb()
    yield BROKER
    r.flushdb()


def _wait_for_workers(broker_url: str, n: int, timeout: float = 90):
    from celery import Celery

    app = Celery(broker=broker_url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(app.control.ping(timeout=1.0)) >= n:
            return
        time.sleep(0.5)
    raise AssertionError(f"{n} Celery workers did not answer on {broker_url} within {timeout}s")


def _staged_equal(a: Path, b: Path):
    """Same staged documents (folder names carry content hash and parser version), same Parquet frames,
    same document records but for the timing."""
    assert sorted(p.name for p in a.iterdir()) == sorted(p.name for p in b.iterdir())
    for da in sorted(a.iterdir()):
        db = b / da.name
        ja, jb = (json.loads((d / "document.json").read_text(encoding="utf-8")) for d in (da, db))
        ja.pop("seconds", None), jb.pop("seconds", None)
        assert ja == jb, da.name
        assert sorted(f.name for f in da.glob("*.parquet")) == sorted(f.name for f in db.glob("*.parquet"))
        for f in da.glob("*.parquet"):
            assert pl.read_parquet(f).equals(pl.read_parquet(db / f.name)), f"{da.name}/{f.name}"


def test_partitions_on_celery_workers_equal_a_local_run(tmp_path, pg_database, broker):
    raw = tmp_path / "raw"
    forge(raw, counties=2, years=2, departments=2, truth=tmp_path / "truth")
    docs = discover(raw)
    assert len(docs) == 8
    wh = tmp_path / "celery" / "budget.duckdb"
    # four batches of two documents (as the sensor packs them, with a budget of two documents): with two batches
    # one worker could take both (the first finished before the second was queued)
    plan = batches.plan(docs, max_docs=2)
    keys = sorted(batches.record(wh, members) for members in plan)
    assert [len(m) for m in plan] == [2, 2, 2, 2] and len(set(keys)) == 4

    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "deploy" / "dagster.celery.yaml", home / "dagster.yaml")
    env = dict(os.environ, DAGSTER_HOME=str(home), CNBUDGET_RAW=str(raw), CNBUDGET_WAREHOUSE=str(wh),
               CNBUDGET_CELERY_BROKER=broker, CNBUDGET_CELERY_BACKEND=broker,
               DAGSTER_PG_HOST=PG["host"], DAGSTER_PG_PORT=str(PG["port"]), DAGSTER_PG_USER=PG["user"],
               DAGSTER_PG_PASSWORD=PG["password"], DAGSTER_PG_DB=pg_database)

    # the instance the runs and the workers share: PostgreSQL storage from the shipped config
    os.environ.update({k: env[k] for k in env if k.startswith("DAGSTER_PG_")})
    try:
        instance = dg.DagsterInstance.from_config(str(home))
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        instance.add_dynamic_partitions("document_batches", keys)

        # two workers, one process each: the four batches have to be shared out over the broker
        workers = [subprocess.Popen(
            [str(BIN / "celery"), "-A", "pipelines.celery_worker", "worker", "--concurrency", "1",
             "--prefetch-multiplier", "1", "--without-gossip", "--without-mingle", "--loglevel", "INFO",
             "-n", f"w{i}@%h"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True) for i in (1, 2)]
        try:
            _wait_for_workers(broker, 2)

            def run_partition(key: str) -> subprocess.CompletedProcess:
                return subprocess.run(
                    [str(BIN / "dagster"), "job", "execute", "-m", "pipelines.definitions",
                     "-j", "extract_documents_celery", "--tags", json.dumps({"dagster/partition": key})],
                    cwd=ROOT, env=env, capture_output=True, text=True, timeout=400)

            with ThreadPoolExecutor(len(keys)) as pool:
                done = list(pool.map(run_partition, keys))
            for key, p in zip(keys, done):
                assert p.returncode == 0, f"partition {key}:\n{p.stdout[-2000:]}\n{p.stderr[-3000:]}"
        finally:
            for w in workers:
                os.killpg(w.pid, signal.SIGTERM)
            logs = []
            for w in workers:
                try:
                    logs.append(w.communicate(timeout=60)[0].decode(errors="replace"))
                except subprocess.TimeoutExpired:
                    os.killpg(w.pid, signal.SIGKILL)
                    logs.append(w.communicate()[0].decode(errors="replace"))

        # every run succeeded, for its partition, and its step was executed by a Celery worker
        runs = instance.get_runs(dg.RunsFilter(job_name="extract_documents_celery"))
        assert sorted(r.tags["dagster/partition"] for r in runs) == keys
        assert all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
        hosts = set()
        for r in runs:
            engine = [e.dagster_event for e in instance.all_logs(r.run_id)
                      if e.dagster_event and e.dagster_event.event_type == dg.DagsterEventType.ENGINE_EVENT
                      and "in celery worker" in (e.dagster_event.message or "")]
            assert len(engine) == 1, r.run_id
            hosts.add(engine[0].event_specific_data.metadata["Celery worker"].value)
        assert {h.split("@")[0] for h in hosts} == {"w1", "w2"}, hosts  # both workers took partitions
        # the workers' own logs agree: one task per batch, each succeeded
        assert sum(log.count("] succeeded in") for log in logs) == len(keys), logs
    finally:
        for k in [k for k in os.environ if k.startswith("DAGSTER_PG_")]:
            del os.environ[k]

    # the same documents extracted locally
    local = tmp_path / "local" / "budget.duckdb"
    results = extract_all(docs, local.parent / "staging", {})
    assert [r["status"] for r in results] == ["extracted"] * 8
    _staged_equal(wh.parent / "staging", local.parent / "staging")

    # and the warehouses built from either staging hold the same facts
    built = {}
    for name, w in (("celery", wh), ("local", local)):
        stats = build(sorted((w.parent / "staging").iterdir()), w)
        con = duckdb.connect(str(w), read_only=True)
        built[name] = (stats["facts"], stats["findings_error"], con.execute(
            "SELECT document_id, table_seq, row_idx, col_idx, measure, amount FROM core.fact_budget_amount "
            "ORDER BY ALL").fetchall())
        con.close()
    assert built["celery"] == built["local"]
    assert built["local"][0] > 0 and built["local"][1] == 0
