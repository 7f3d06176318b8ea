"""Dagster: documents are packed into batch partitions (stable keys, every document in exactly one batch); the
new-file sensor adds batches, runs them, then requests a refresh unless the warehouse is up to date; a batch run
stages its documents; a failed run is recorded where the dashboard shows it."""
from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import dagster as dg

from pipelines import batches
from pipelines.dashboard import render, run_failures
from pipelines.definitions import (defs, dq_dashboard, document_batch, marts, new_documents, raw_documents,
                                   record_run_failures, staged_documents, warehouse)
from pipelines.extract import Discovered, discover


def _env(monkeypatch, tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    wh = tmp_path / "wh" / "budget.duckdb"
    monkeypatch.setenv("CNBUDGET_RAW", str(raw))
    monkeypatch.setenv("CNBUDGET_WAREHOUSE", str(wh))
    return raw, wh


def _doc(i: int, size: int) -> Discovered:
    return Discovered(Path(f"/raw/d{i}.pdf"), hashlib.sha256(str(i).encode()).hexdigest(), size, "pdf")


def test_batches_are_stable_and_cover_every_document_once():
    rng = random.Random(3)
    docs = [_doc(i, rng.randint(10_000, 900_000)) for i in range(230)]
    plan = batches.plan(docs, max_bytes=8 * 2**20, max_docs=30)
    ids = [d.document_id for b in plan for d in b]
    assert sorted(ids) == sorted(d.document_id for d in docs)  # every document, exactly once
    for b in plan:
        assert len(b) <= 30
        assert sum(d.size for d in b[:-1]) < 8 * 2**20  # a batch closes at the budget
    for b in plan[:-1]:  # … and not before (the last one takes what is left)
        assert sum(d.size for d in b) >= 8 * 2**20 or len(b) == 30
    # the same documents in another order (and one seen twice) make the same batches, with the same keys
    shuffled = docs[::-1] + docs[:1]
    rng.shuffle(shuffled)
    again = batches.plan(shuffled, max_bytes=8 * 2**20, max_docs=30)
    keys = [batches.batch_key(d.document_id for d in b) for b in plan]
    assert [batches.batch_key(d.document_id for d in b) for b in again] == keys
    assert len(set(keys)) == len(keys) and all(len(k) == 16 for k in keys)
    # a document over the budget is a batch of its own; the document cap holds for small ones
    assert [len(b) for b in batches.plan([_doc(1, 10**9), _doc(2, 10), _doc(3, 10)], max_bytes=100,
                                         max_docs=50)] in ([1, 2], [2, 1], [1, 1, 1])
    assert [len(b) for b in batches.plan([_doc(i, 1) for i in range(7)], max_bytes=100, max_docs=3)] == [3, 3, 1]


def _refresh(instance, raw, wh):
    from pipelines.definitions import refresh_run_config

    res = dg.materialize([raw_documents, staged_documents, warehouse, marts, dq_dashboard], instance=instance,
                         run_config=refresh_run_config(raw, wh))
    assert res.success
    return res


def test_sensor_batches_then_refreshes_then_skips(monkeypatch, tmp_path, pingxiang, hezheng):
    raw, wh = _env(monkeypatch, tmp_path)
    (raw / "a.txt").write_bytes(pingxiang.read_bytes())
    (raw / "sub").mkdir()
    (raw / "sub" / "b.txt").write_bytes(hezheng.read_bytes())
    (raw / "sub" / "b-copy.txt").write_bytes(hezheng.read_bytes())  # the same document twice: batched once
    instance = dg.DagsterInstance.ephemeral()

    # 1. new documents: one batch (both fit the default budget), its run requested, no refresh yet
    res = new_documents(dg.build_sensor_context(instance=instance))
    [add] = res.dynamic_partitions_requests
    assert add.partitions_def_name == "document_batches" and len(add.partition_keys) == 1
    key = add.partition_keys[0]
    assert [(r.job_name, r.partition_key) for r in res.run_requests] == [("extract_documents", key)]
    ids = sorted(["1497a0ffec7d9e92", "8a404a645f5fe4ab"])  # the two seeds' document ids
    assert key == batches.batch_key(ids)
    assert sorted(d.document_id for d in batches.members(wh, key)) == ids
    assert json.loads(res.cursor)["pending"] is True

    # 2. the batch run stages both documents through extract_all
    instance.add_dynamic_partitions("document_batches", [key])
    run = dg.materialize([document_batch], partition_key=key, instance=instance)
    assert run.success
    meta = run.asset_materializations_for_node("document_batch")[0].metadata
    assert (meta["documents"].value, meta["extracted"].value, meta["error"].value) == (2, 2, 0)
    staging = wh.parent / "staging"
    assert sorted(p.name.split("-")[0] for p in staging.iterdir() if not p.name.startswith(".")) == ids
    assert (next(staging.glob("1497a0ffec7d9e92-v*")) / "targets.parquet").exists()

    # 3. no batch run in progress: a refresh of these folders is requested
    res2 = new_documents(dg.build_sensor_context(instance=instance, cursor=res.cursor))
    assert [r.job_name for r in res2.run_requests] == ["refresh"] and not res2.dynamic_partitions_requests
    assert res2.run_requests[0].run_config["ops"]["raw_documents"]["config"]["raw_dir"] == str(raw)
    refreshed = _refresh(instance, raw, wh)
    staged = refreshed.asset_materializations_for_node("staged_documents")[0].metadata
    assert (staged["cached"].value, staged["extracted"].value) == (2, 0)  # the batch run did the extraction

    # 4. nothing changed: skip (from the cursor without reading a file, and from scratch: up to date)
    res3 = new_documents(dg.build_sensor_context(instance=instance, cursor=res2.cursor))
    assert isinstance(res3, dg.SkipReason)
    res4 = new_documents(dg.build_sensor_context(instance=instance))
    assert not res4.run_requests and "up to date" in res4.skip_reason.skip_message

    # 5. a file added: a new batch of just that document (the known ones are staged), then a refresh
    (raw / "c.txt").write_bytes(pingxiang.read_bytes() + "\n".encode())
    res5 = new_documents(dg.build_sensor_context(instance=instance, cursor=res2.cursor))
    [add5] = res5.dynamic_partitions_requests
    [new] = [d for d in discover(raw) if d.path.name == "c.txt"]
    assert add5.partition_keys == [batches.batch_key([new.document_id])]
    assert [r.job_name for r in res5.run_requests] == ["extract_documents"]
    res6 = new_documents(dg.build_sensor_context(instance=instance, cursor=res5.cursor))
    assert [r.job_name for r in res6.run_requests] == ["refresh"]  # the refresh extracts what a batch did not


def test_failed_run_is_recorded_for_the_dashboard(monkeypatch, tmp_path, seed_warehouse):
    raw, wh = _env(monkeypatch, tmp_path)
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("document_batches", ["ffffffffffffffff"])
    res = dg.materialize([document_batch], partition_key="ffffffffffffffff", instance=instance, raise_on_error=False)
    assert not res.success  # no such batch is recorded
    run = instance.get_run_by_id(res.run_id)
    failure = next(r.dagster_event for r in instance.all_logs(res.run_id)
                   if r.dagster_event and r.dagster_event.event_type == dg.DagsterEventType.RUN_FAILURE)
    ctx = dg.build_run_status_sensor_context(sensor_name="record_run_failures", dagster_instance=instance,
                                             dagster_run=run, dagster_event=failure).for_run_failure()
    record_run_failures(ctx)
    recorded = run_failures(wh)
    assert recorded and recorded[0]["run_id"] == res.run_id and recorded[0]["partition"] == "ffffffffffffffff"
    # the dashboard of any warehouse in that folder lists it
    import shutil

    shutil.copy(seed_warehouse[0], wh)
    html = render(wh).read_text(encoding="utf-8")
    assert res.run_id in html and 'id="failed-runs"' in html


def test_definitions_have_sensors_and_jobs():
    assert {s.name for s in defs.sensors} == {"new_documents", "record_run_failures"}
    jobs = {j.name: j for j in defs.resolve_all_job_defs()}
    assert {"refresh", "extract_documents", "extract_documents_celery"} <= set(jobs)
    assert jobs["extract_documents"].executor_def.name == "in_process"
    assert jobs["extract_documents"].partitions_def.name == "document_batches"
