"""Faults: kill -9 during extraction, load and swap; a full disk while staging; a corrupted staged
file; two refreshes at once.  After each the previous warehouse is intact (queried) and the next run
completes correctly.  Kill points come from the CNBUDGET_FAULT hook (pipelines/limits.py)."""
from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

import badinputs as B
from pipelines.limits import Limits
from pipelines.refresh import StagingError, refresh

RUN = "import sys; from pipelines.refresh import refresh; refresh(sys.argv[1], sys.argv[2])"
AMOUNT = ("SELECT amount FROM core.fact_budget_amount WHERE table_type = 'expenditure' AND subject_code = '2080101' "
          "AND measure = '合计'")


def run(raw: Path, wh: Path, fault: str | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CNBUDGET_")}
    if fault:
        env["CNBUDGET_FAULT"] = fault
    return subprocess.run([sys.executable, "-c", RUN, str(raw), str(wh)], env=env, capture_output=True, text=True,
                          timeout=timeout)


def state(wh: Path) -> tuple:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        docs = sorted(Path(p).name for (p,) in con.execute("SELECT source_path FROM marts.documents").fetchall())
        amount = con.execute(AMOUNT).fetchall()
        runs = con.execute("SELECT count(*) FROM dq.runs").fetchone()[0]
        return docs, amount, runs
    finally:
        con.close()


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """A warehouse of one document (Pingxiang), and its staging."""
    root = tmp_path_factory.mktemp("faults")
    raw = root / "raw"
    raw.mkdir()
    (raw / "pingxiang.txt").write_bytes(B.seed("001").read_bytes())
    wh = root / "wh" / "budget.duckdb"
    r = run(raw, wh)
    assert r.returncode == 0, r.stderr[-2000:]
    return root


@pytest.fixture()
def world(baseline, tmp_path):
    """A copy of the baseline with a second document (Hezheng) added to raw/."""
    shutil.copytree(baseline / "raw", tmp_path / "raw")
    shutil.copytree(baseline / "wh", tmp_path / "wh")
    (tmp_path / "raw" / "hezheng.txt").write_bytes(B.seed("000").read_bytes())
    wh = tmp_path / "wh" / "budget.duckdb"
    before = state(wh)
    assert before[0] == ["pingxiang.txt"] and before[1]
    return tmp_path / "raw", wh, before


def leftovers(wh: Path) -> list[Path]:
    return list(wh.parent.glob(f"{wh.name}.building-*")) + list((wh.parent / "staging").glob(".tmp-*"))


def test_kill_9_at_each_point_leaves_a_readable_warehouse_and_the_next_run_completes(world):
    raw, wh, before = world
    for point in ("during_extract", "after_load", "before_swap"):
        r = run(raw, wh, fault=point)
        assert r.returncode == -signal.SIGKILL, (point, r.returncode, r.stderr[-2000:])
        assert state(wh) == before, point  # the live file is the previous one, readable, unchanged
    assert leftovers(wh)  # the killed builds left their .building file behind …
    r = run(raw, wh, fault="after_swap")  # … killed right after the rename: the new file is whole
    assert r.returncode == -signal.SIGKILL
    docs, amount, runs = state(wh)
    assert docs == ["hezheng.txt", "pingxiang.txt"] and amount == before[1] and runs == before[2] + 1
    r = run(raw, wh)
    assert r.returncode == 0, r.stderr[-2000:]
    docs, amount, runs = state(wh)
    # the swapped-in file is already the build of these inputs: the next refresh has nothing to rebuild
    assert docs == ["hezheng.txt", "pingxiang.txt"] and amount == before[1] and runs == before[2] + 1
    assert not leftovers(wh)  # … and it cleaned up what the killed builds left


def test_a_killed_extraction_child_is_a_recorded_error_and_is_retried(world):
    raw, wh, before = world
    r = run(raw, wh, fault="child_extract")  # every child dies with SIGKILL on its document
    assert r.returncode == 0, r.stderr[-2000:]
    con = duckdb.connect(str(wh), read_only=True)
    errs = con.execute("SELECT regexp_extract(source_path, '[^/]+$'), error_kind, error FROM marts.ingest_errors"
                       ).fetchall()
    con.close()
    # hezheng had to be extracted (pingxiang too, if the parsing code changed since the baseline)
    assert ("hezheng.txt", "worker_died") in [(n, k) for n, k, _ in errs]
    assert all(k == "worker_died" and "SIGKILL" in e for _, k, e in errs), errs
    refresh(raw, wh, limits=Limits(timeout_s=120))  # worker_died is tried again: now it loads
    assert state(wh)[0] == ["hezheng.txt", "pingxiang.txt"]


def test_full_disk_while_staging_stops_before_the_build(world, monkeypatch):
    raw, wh, before = world
    staging = wh.parent / "staging"
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(staging)],
                             capture_output=True).returncode == 0
    try:
        if mounted:  # a real 16 KB file system over the staging folder: everything must be re-staged
            limits = Limits(timeout_s=120)
        else:  # no mount permission: the write fails in-process instead
            import polars as pl

            def full(*a, **k):
                raise OSError(errno.ENOSPC, "No space left on device")

            monkeypatch.setattr(pl.DataFrame, "write_parquet", full)
            limits = Limits(isolate=False)
        with pytest.raises(StagingError, match="free disk space"):
            refresh(raw, wh, limits=limits)
        assert state(wh) == before
        assert not list(staging.glob(".tmp-*"))
    finally:
        if mounted:
            subprocess.run(["umount", str(staging)], check=True)
        monkeypatch.undo()
    r = run(raw, wh)
    assert r.returncode == 0, r.stderr[-2000:]
    assert state(wh)[0] == ["hezheng.txt", "pingxiang.txt"]


def test_a_failed_flush_of_the_copied_warehouse_fails_the_build_and_leaves_the_live_one(world, monkeypatch):
    """The incremental build's copy of the live file is flushed by a thread while the build runs
    (warehouse._EarlyFlush); an I/O error there fails the build (a later fsync could report success for the lost
    pages): the live warehouse stays as it was, the copy is removed, and the next refresh completes."""
    import pipelines.warehouse as W

    raw, wh, before = world
    flushed = []

    def eio(self, path):
        flushed.append(Path(path).name)
        self.error = OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(W._EarlyFlush, "_run", eio)
    with pytest.raises(OSError, match="Input/output error"):
        refresh(raw, wh, limits=Limits(timeout_s=120))
    assert flushed == [f"{wh.name}.building-{os.getpid()}"]  # the build was incremental: it copied the live file
    assert state(wh) == before
    assert not leftovers(wh)
    monkeypatch.undo()
    refresh(raw, wh, limits=Limits(timeout_s=120))
    assert state(wh)[0] == ["hezheng.txt", "pingxiang.txt"]


@pytest.mark.parametrize("damage", ["parquet", "json"])
def test_a_corrupted_staged_file_is_re_extracted_not_half_loaded(world, damage):
    raw, wh, before = world
    staged = next(p for p in (wh.parent / "staging").iterdir() if (p / "budget.parquet").exists())
    if damage == "parquet":  # one file cut short, one with its pages zeroed
        f = staged / "budget.parquet"
        f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
        f = staged / "cells.parquet"
        data = bytearray(f.read_bytes())
        data[8: len(data) - 16] = bytes(len(data) - 24)  # header and footer intact, pages zeroed
        f.write_bytes(bytes(data))
    else:
        f = staged / "document.json"
        f.write_text(f.read_text(encoding="utf-8")[:40], encoding="utf-8")
    stats = refresh(raw, wh, limits=Limits(timeout_s=120))
    assert stats["extracted"] == 2 and stats["cached"] == 0  # the damaged one and the new one
    docs, amount, _ = state(wh)
    assert docs == ["hezheng.txt", "pingxiang.txt"] and amount == before[1]


def test_two_refreshes_at_once_the_second_is_refused(world):
    raw, wh, before = world
    env = {k: v for k, v in os.environ.items() if not k.startswith("CNBUDGET_")}
    first = subprocess.Popen([sys.executable, "-c", RUN, str(raw), str(wh)],
                             env={**env, "CNBUDGET_FAULT": "after_lock:sleep=4"},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lock = wh.with_suffix(".lock")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if lock.exists() and lock.read_text().strip() == str(first.pid):
                break
            time.sleep(0.05)
        else:
            pytest.fail("the first refresh never took the lock")
        second = subprocess.run([sys.executable, "-m", "pipelines.cli", "refresh", "--raw", str(raw), "--warehouse",
                                 str(wh)], env=env, capture_output=True, text=True, timeout=120)
        assert second.returncode == 3, second.stderr[-2000:]
        assert "refused" in second.stderr and "another refresh" in second.stderr
        assert first.poll() is None  # still running, undisturbed
        assert state(wh) == before  # readers keep reading the live file meanwhile
    finally:
        out, errs = first.communicate(timeout=240)
    assert first.returncode == 0, errs[-2000:]
    assert state(wh)[0] == ["hezheng.txt", "pingxiang.txt"]  # the first one completed normally
