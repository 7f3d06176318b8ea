"""Dagster: the new-file sensor adds document partitions and requests runs; a partition run extracts its
document; a failed run is recorded where the dashboard shows it."""
from __future__ import annotations

import dagster as dg

from pipelines.dashboard import render, run_failures
from pipelines.definitions import PATH_TAG, defs, document, new_documents, record_run_failures


def _env(monkeypatch, tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    wh = tmp_path / "wh" / "budget.duckdb"
    monkeypatch.setenv("CNBUDGET_RAW", str(raw))
    monkeypatch.setenv("CNBUDGET_WAREHOUSE", str(wh))
    return raw, wh


def test_sensor_adds_partitions_and_requests_runs(monkeypatch, tmp_path, pingxiang, hezheng):
    raw, _ = _env(monkeypatch, tmp_path)
    (raw / "a.txt").write_bytes(pingxiang.read_bytes())
    (raw / "b.txt").write_bytes(hezheng.read_bytes())
    instance = dg.DagsterInstance.ephemeral()
    res = new_documents(dg.build_sensor_context(instance=instance))
    keys = sorted(res.dynamic_partitions_requests[0].partition_keys)
    assert keys == ["1497a0ffec7d9e92", "8a404a645f5fe4ab"]  # the two seeds' document ids
    jobs = sorted(r.job_name for r in res.run_requests)
    assert jobs == ["extract_documents", "extract_documents", "refresh"]
    assert {r.partition_key for r in res.run_requests if r.partition_key} == set(keys)
    # nothing changed: skip
    instance.add_dynamic_partitions("documents", keys)
    again = new_documents(dg.build_sensor_context(instance=instance, cursor=res.cursor))
    assert isinstance(again, dg.SkipReason)
    # a new copy of a known document: no new partition, but a refresh (the listing changed)
    (raw / "c.txt").write_bytes(pingxiang.read_bytes())
    third = new_documents(dg.build_sensor_context(instance=instance, cursor=res.cursor))
    assert third.dynamic_partitions_requests == [] and [r.job_name for r in third.run_requests] == ["refresh"]


def test_partition_run_extracts_its_document(monkeypatch, tmp_path, hezheng):
    raw, wh = _env(monkeypatch, tmp_path)
    (raw / "h.txt").write_bytes(hezheng.read_bytes())
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("documents", ["1497a0ffec7d9e92"])
    res = dg.materialize([document], partition_key="1497a0ffec7d9e92", instance=instance,
                         tags={PATH_TAG: str(raw / "h.txt")})
    assert res.success
    staged = list((wh.parent / "staging").glob("1497a0ffec7d9e92-v*"))
    assert len(staged) == 1 and (staged[0] / "targets.parquet").exists()


def test_failed_run_is_recorded_for_the_dashboard(monkeypatch, tmp_path, seed_warehouse):
    raw, wh = _env(monkeypatch, tmp_path)
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("documents", ["ffffffffffffffff"])
    res = dg.materialize([document], partition_key="ffffffffffffffff", instance=instance, raise_on_error=False)
    assert not res.success  # no file has that id
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
    assert {j.name for j in defs.resolve_all_job_defs()} >= {"refresh", "extract_documents"}
