"""Hostile input, round two (issue 18): each file is opened once and refused before a byte is read when it is
no regular file inside the raw folder; the bytes hashed are the bytes read; memory, inflated streams and
time are bounded; no extraction outlives its refresh; the manifest is validated and never sets provenance;
document text is shown as text; copy-protected and oddly boxed PDFs are read; the warehouse stays out of
the raw folder."""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

import badinputs as B
from pipelines.cli import app
from pipelines.extract import scan
from pipelines.limits import Limits
from pipelines.readers.pdf import read_pdf
from pipelines.refresh import WarehouseInRaw, check_placement, load_manifest, read_manifest, refresh

runner = CliRunner()
ESC_NAME = "\x1b]0;pwned\x07evil.docx"  # a file name that is a terminal command (sets the window title)
MARKUP_NAME = "[red]notes[link=x].docx"  # a file name that is rich markup (a "/" cannot be in a name)


def _sha(p: Path) -> str:
    return hashlib.sha256(Path(p).read_bytes()).hexdigest()


def _rows(con, sql, *params):
    return con.execute(sql, list(params)).fetchall()


# ------------------------------------------------------------------ one batch: what is not a document
@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile2")
    raw = root / "raw"
    raw.mkdir()
    (raw / "pingxiang.txt").write_bytes(B.seed("001").read_bytes())
    (raw / "hezheng.txt").write_bytes(B.seed("000").read_bytes())
    B.fifo(raw, "pipe.pdf")
    B.unix_socket(raw, "sock.pdf")
    B.link(raw, "dangling.pdf", "nowhere.pdf")
    B.link_loop(raw)
    B.link(raw, "dev_zero.pdf", "/dev/zero")
    B.link(raw, "passwd.txt", "/etc/passwd")
    B.sparse(raw, "terabyte.pdf", 1 << 40)  # hashing it would take hours
    (raw / ESC_NAME).write_bytes(b"PK\x03\x04")
    (raw / MARKUP_NAME).write_bytes(b"PK\x03\x04 another")
    pid = _sha(raw / "pingxiang.txt")[:16]
    B.manifest(raw, {
        "pingxiang.txt": {"department": "平乡县人力资源和社会保障局[/]"},  # rich markup in document text
        "hezheng.txt": {"fiscal_year": "yesterday"},                     # entry refused, document kept
        "x.txt": {"source_path": "/etc/shadow", "sha256": "0" * 64},     # provenance: refused
        "y.txt": {"document_id": pid},                                   # another document's id: refused
        "z.txt": {"fiscal_year": 2023, "source_mtime": "yesterday"},
        "w.txt": {"fiscal_year": 20230},                                  # out of range
    })
    wh = root / "wh" / "budget.duckdb"
    t0 = time.monotonic()
    res = runner.invoke(app, ["refresh", "--raw", str(raw), "--warehouse", str(wh)])
    wall = time.monotonic() - t0
    return raw, wh, res, wall


def _cli(con, args):
    """Run the CLI with the test's connection closed (DuckDB allows one configuration per file)."""
    con.close()
    return runner.invoke(app, args)


EXPECTED = {
    "pipe.pdf": ("not_a_file", "a FIFO"),
    "sock.pdf": ("not_a_file", "a socket"),
    "dangling.pdf": ("broken_link", "link to nothing"),
    "loop_a.pdf": ("broken_link", "link loop"),
    "loop_b.pdf": ("broken_link", "link loop"),
    "dev_zero.pdf": ("outside_raw", "/dev/zero"),
    "passwd.txt": ("outside_raw", "/etc/passwd"),
    "terabyte.pdf": ("too_large", "1099511627776 bytes"),
    ESC_NAME: ("unsupported_type", "unsupported file type"),
    MARKUP_NAME: ("unsupported_type", "unsupported file type"),
}


def test_every_file_that_is_no_document_is_a_recorded_error(batch):
    raw, wh, res, wall = batch
    con = duckdb.connect(str(wh), read_only=True)
    assert res.exit_code == 0, res.output[-3000:]
    rows = _rows(con, "SELECT source_path, error_kind, error, hint, sha256 FROM marts.ingest_errors "
                      "WHERE source_path NOT LIKE '%manifest.json'")
    got = {Path(p).name: (k, e, h, s) for p, k, e, h, s in rows}
    assert set(got) == set(EXPECTED), sorted(got)
    for name, (kind, phrase) in EXPECTED.items():
        k, e, h, s = got[name]
        assert (k, phrase in e, bool(h)) == (kind, True, True), (name, k, e, h)
        if kind != "unsupported_type":
            assert s is None, (name, "refused before reading, yet a hash was stored")
    # the refused files were never read: no hash of /etc/passwd anywhere, nothing staged for it
    secret = _sha(Path("/etc/passwd"))
    assert _rows(con, "SELECT count(*) FROM core.ingest_errors WHERE sha256 = ?", secret) == [(0,)]
    assert not list((wh.parent / "staging").glob(f"{secret[:16]}-*"))
    # … and the terabyte was not hashed: the whole refresh (two documents, build, checks) is quick
    assert wall < 120, wall
    docs = sorted(Path(p).name for (p,) in _rows(con, "SELECT source_path FROM marts.documents"))
    assert docs == ["hezheng.txt", "pingxiang.txt"]


def test_a_bad_manifest_entry_is_an_error_for_that_entry_and_never_sets_provenance(batch):
    raw, wh, res, wall = batch
    con = duckdb.connect(str(wh), read_only=True)
    msgs = sorted(e for (e,) in _rows(con, "SELECT error FROM marts.ingest_errors WHERE error_kind = 'manifest_invalid'"))
    assert len(msgs) == 5, msgs
    assert any("'hezheng.txt': fiscal_year must be a year" in m for m in msgs)
    assert any("'x.txt' sets sha256, source_path" in m for m in msgs)
    assert any("'y.txt' sets document_id" in m for m in msgs)
    assert any("'z.txt' sets source_mtime" in m for m in msgs)
    assert any("'w.txt': fiscal_year is out of range" in m for m in msgs)
    # the good documents load with the provenance of their own files
    rows = {Path(p).name: (sha, fy) for p, sha, fy in _rows(con, "SELECT source_path, sha256, fiscal_year FROM "
                                                                 "marts.documents")}
    assert rows["hezheng.txt"] == (_sha(raw / "hezheng.txt"), 2024)  # its year from the document, not 'yesterday'
    assert rows["pingxiang.txt"][0] == _sha(raw / "pingxiang.txt")
    assert _rows(con, "SELECT count(*) FROM marts.documents WHERE source_path LIKE '%shadow%'") == [(0,)]


def test_text_is_shown_as_text(batch):
    """'[/]' in a department name is no rich markup, a terminal escape in a file name is shown escaped."""
    raw, wh, res, wall = batch
    con = duckdb.connect(str(wh), read_only=True)
    assert "\x1b" not in res.output and "\x07" not in res.output
    assert "\\x1b]0;pwned\\x07evil.docx" in res.output
    assert MARKUP_NAME in res.output.replace("\n", "")  # printed as it is, not taken for markup
    out = _cli(con, ["dq", "--warehouse", str(wh), "--details"])
    assert out.exit_code == 0, out.output[-2000:]
    q = runner.invoke(app, ["sql", "SELECT department, ? AS file FROM marts.documents ORDER BY 1",
                            "-p", ESC_NAME, "--warehouse", str(wh)])
    assert q.exit_code == 0, q.output[-2000:]
    assert "平乡县人力资源和社会保障局[/]" in q.output.replace("\n", "").replace(" ", "").replace("│", "") or "[/]" in q.output
    assert "\x1b" not in q.output and "\\x1b]0;pwned" in q.output


def test_the_dashboard_escapes_document_text(batch, tmp_path):
    from pipelines.dashboard import render

    raw, wh, res, wall = batch
    con = duckdb.connect(str(wh), read_only=True)
    con.close()
    page = render(wh, tmp_path / "d.html").read_text(encoding="utf-8")
    assert "\x1b" not in page and "\\x1b]0;pwned\\x07evil.docx" in page
    assert "&amp;lt;" not in page  # escaped once


# ------------------------------------------------------------------ manifest limits
@pytest.mark.parametrize("make, phrase", [
    (lambda raw: (raw / "manifest.json").write_text("[" * 100_000 + "]" * 100_000), "nested deeper"),
    (lambda raw: (raw / "manifest.json").write_text('{"a.txt": {"county": "' + "x" * 2_000_000 + '"}}'), "over"),
    (lambda raw: B.fifo(raw, "manifest.json"), "a FIFO"),
    (lambda raw: B.link(raw, "manifest.json", "/dev/zero"), "outside the raw folder"),
    (lambda raw: B.link(raw, "manifest.json", "/etc/passwd"), "outside the raw folder"),
    (lambda raw: (raw / "manifest.json").write_bytes(b"\xff\xfe{}"), "UnicodeDecodeError"),
])
def test_an_unreadable_manifest_is_one_recorded_error(tmp_path, make, phrase):
    make(tmp_path)
    t0 = time.monotonic()
    out, problems = read_manifest(tmp_path)
    assert out == {} and len(problems) == 1 and phrase in problems[0]["error"], problems
    assert problems[0]["error_kind"] == "manifest_invalid"
    assert time.monotonic() - t0 < 20  # a FIFO or /dev/zero does not hang it
    with pytest.raises(ValueError):
        load_manifest(tmp_path)


def test_manifest_fields_are_checked(tmp_path):
    B.manifest(tmp_path, {"a.pdf": {"fiscal_year": 2023, "county": "平乡县", "phase": "budget",
                                    "published_at": "2023-02-01", "region_code": "130532"}})
    assert list(load_manifest(tmp_path).values()) == [{"fiscal_year": 2023, "county": "平乡县", "phase": "budget",
                                                        "published_at": "2023-02-01", "region_code": "130532"}]
    for bad, phrase in (({"phase": "draft"}, "phase must be one of"), ({"county": "a\x1b[2J"}, "control characters"),
                        ({"region_code": 130532}, "6 digits"), ({"fiscal_year": True}, "must be a year"),
                        ({"colour": "red"}, "unknown field"), ({"bytes": 1}, "sets bytes")):
        B.manifest(tmp_path, {"a.pdf": bad})
        with pytest.raises(ValueError, match=phrase):
            load_manifest(tmp_path)


# ------------------------------------------------------------------ the bytes hashed are the bytes read
def _text_raw(tmp_path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "pingxiang.txt").write_bytes(B.seed("001").read_bytes())
    return raw


def test_a_file_changed_while_it_is_read_is_recorded_and_read_next_time(tmp_path, monkeypatch):
    import pipelines.refresh as R

    raw = _text_raw(tmp_path)
    f = raw / "pingxiang.txt"
    real_scan = R.scan
    first = {}

    def scan_while_written(raw_dir, limits=None, snapshots=None, need=None):
        def need_and_write(sha):  # between the hash and the snapshot: the file is written to
            first.setdefault("sha", sha)
            with open(f, "ab") as fh:
                fh.write("\n（续）\n".encode())
            return need(sha)
        return real_scan(raw_dir, limits, snapshots, need_and_write)

    monkeypatch.setattr(R, "scan", scan_while_written)
    wh = tmp_path / "wh" / "budget.duckdb"
    s1 = refresh(raw, wh, limits=Limits(timeout_s=60))
    assert [(Path(e["path"]).name, e["error_kind"]) for e in s1["errors"]] == [("pingxiang.txt", "file_changed")]
    assert s1["documents"] == 0
    assert not [p for p in (wh.parent / "staging").iterdir()]  # nothing staged: no version of a moving file
    monkeypatch.setattr(R, "scan", real_scan)
    s2 = refresh(raw, wh, limits=Limits(timeout_s=60))  # the file has settled
    assert s2["documents"] == 1 and s2["ingest_errors"] == 0
    con = duckdb.connect(str(wh), read_only=True)
    assert _rows(con, "SELECT sha256, version, versions FROM marts.documents") == [(_sha(f), 1, 1)]
    con.close()


def test_a_file_grown_past_the_limit_while_read_is_not_read_whole(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    f = raw / "growing.pdf"
    f.write_bytes(b"%PDF-1.7\n" + b" " * 900_000)

    def grow(sha):
        with open(f, "ab") as fh:
            fh.write(b" " * 20_000_000)
        return True

    docs, refused = scan(raw, Limits(max_bytes=1_000_000), tmp_path / "snap", grow)
    assert docs == [] and [r["error_kind"] for r in refused] == ["too_large"]
    assert "grew past the limit of 1000000 bytes" in refused[0]["error"]
    assert not list((tmp_path / "snap").glob("*"))


def test_extract_all_without_a_snapshot_takes_one_and_checks_the_hash(tmp_path):
    """Callers that discover without snapshots (the Dagster assets) get one taken by extract_all, from one
    open, checked against the discovered SHA-256: a file rewritten since is file_changed, not staged."""
    import pipelines.refresh as R

    raw = _text_raw(tmp_path)
    [d] = scan(raw)[0]
    assert d.source is None
    (raw / "pingxiang.txt").write_bytes(B.seed("000").read_bytes())
    [r] = R.extract_all([d], tmp_path / "staging", {}, limits=Limits(timeout_s=60))
    assert (r["status"], r["error_kind"], r["record"]["error_kind"]) == ("error", "file_changed", "file_changed")
    assert not [p for p in (tmp_path / "staging").iterdir()]


def test_a_file_swapped_for_a_link_after_discovery_is_not_read(tmp_path, monkeypatch):
    """Replaced by a link to a file outside raw/ while the refresh runs: what is extracted — and cached under
    the original's SHA-256 — is the snapshot of the bytes that were hashed, never the outside file (the next
    refresh refusing the link is test_every_file_that_is_no_document_is_a_recorded_error's outside_raw)."""
    import pipelines.refresh as R

    raw = _text_raw(tmp_path)
    f = raw / "pingxiang.txt"
    original = f.read_bytes()
    outside = tmp_path / "outside.txt"
    outside.write_bytes(B.seed("000").read_bytes())  # another document (Hezheng)
    real_extract_all = R.extract_all

    def swap_then_extract(*a, **kw):
        f.unlink()
        os.symlink(outside, f)
        return real_extract_all(*a, **kw)

    monkeypatch.setattr(R, "extract_all", swap_then_extract)
    wh = tmp_path / "wh" / "budget.duckdb"
    refresh(raw, wh, limits=Limits(timeout_s=60))
    monkeypatch.setattr(R, "extract_all", real_extract_all)
    con = duckdb.connect(str(wh), read_only=True)
    assert _rows(con, "SELECT sha256, county FROM marts.documents") == [(hashlib.sha256(original).hexdigest(), "平乡县")]
    con.close()
    staged = {p.name.split("-")[0] for p in (wh.parent / "staging").iterdir()}
    assert staged == {hashlib.sha256(original).hexdigest()[:16]}  # the outside file is nowhere in the cache


# ------------------------------------------------------------------ bounds
def _extract(raw: Path, work: Path, limits: Limits) -> list[dict]:
    """What a refresh does with the documents of ``raw`` short of the build: scan, snapshot, extract."""
    import pipelines.refresh as R

    staging = work / "staging"
    docs, refused = scan(raw, limits, R.snapshot_dir(staging), lambda sha: True)
    assert not refused
    out = R.extract_all(docs, staging, {}, limits=limits, snapshots=R.snapshot_dir(staging))
    assert not R.snapshot_dir(staging).exists()  # snapshots are gone once read
    return out

def test_a_stream_bomb_is_refused_in_seconds(tmp_path):
    """A 300 KB PDF whose content stream inflates to 300 MB: refused by the inflated-size bound, before
    pdfium parses it (the bound's check inflates in 1 MB chunks that are thrown away)."""
    raw = tmp_path / "raw"
    raw.mkdir()
    B.inflation_bomb_pdf(raw, 300)
    assert (raw / "inflation_bomb.pdf").stat().st_size < 1_000_000
    [r] = _extract(raw, tmp_path, Limits(timeout_s=60))
    assert (r["error_kind"], "inflates to more than 256 MB" in r["error"]) == ("too_large", True), r


def test_memory_limit_is_recorded_as_such(tmp_path):
    """With the stream bound out of the way (raised) the address-space limit of the child stops the
    400 MB path-operator bomb: a memory_limit error, in seconds, at the limit and not beyond."""
    raw = tmp_path / "raw"
    raw.mkdir()
    B.stream_bomb_pdf(raw, 400)
    [r] = _extract(raw, tmp_path, Limits(timeout_s=120, max_stream_mb=1024, max_memory_mb=2048, workers=1))
    assert r["error_kind"] == "memory_limit", r
    assert "2048 MB" in r["error"]


def test_the_time_limit_stops_a_document(tmp_path, monkeypatch):
    raw = _text_raw(tmp_path)
    monkeypatch.setenv("CNBUDGET_FAULT", "child_extract:sleep=60")
    t0 = time.monotonic()
    [r] = _extract(raw, tmp_path, Limits(timeout_s=2))
    assert r["error_kind"] == "timeout" and "within 2 s" in r["error"], r
    assert time.monotonic() - t0 < 50


def test_default_memory_limit_is_sized_from_the_machine():
    from pipelines.limits import MEMORY_CEILING_MB, MEMORY_FLOOR_MB, auto_memory_mb, machine_memory_mb

    total = machine_memory_mb()
    assert total and Limits().max_memory_mb == auto_memory_mb(2)
    for w in (1, 2, 4, 16):
        got = Limits(workers=w).max_memory_mb
        assert MEMORY_FLOOR_MB <= got <= MEMORY_CEILING_MB
        assert got == max(MEMORY_FLOOR_MB, min(MEMORY_CEILING_MB, int(total * 0.6 / w)))
    assert Limits(max_memory_mb=0).max_memory_mb == 0


def test_new_limits_from_environment(monkeypatch):
    monkeypatch.setenv("CNBUDGET_MAX_STREAM_MB", "64")
    monkeypatch.setenv("CNBUDGET_WORKERS", "4")
    monkeypatch.delenv("CNBUDGET_MAX_MEMORY_MB", raising=False)
    lim = Limits.from_env()
    assert (lim.max_stream_mb, lim.workers, lim.max_memory_mb) == (64, 4, Limits(workers=4).max_memory_mb)
    assert lim.fingerprint()["max_stream_mb"] == 64  # a too_large from the stream bound is retried when it changes


# ------------------------------------------------------------------ no orphans
RUN = "import sys; from pipelines.refresh import refresh; refresh(sys.argv[1], sys.argv[2])"


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(d.name))
    return out


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        kids = _children(todo.pop())
        out += kids
        todo += kids
    return out


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _recording(monkeypatch, module, name: str) -> list:
    """Replace ``module.name`` (a function of no argument) by one that records what each call returns."""
    got, real = [], getattr(module, name)

    def wrapper():
        got.append(real())
        return got[-1]

    monkeypatch.setattr(module, name, wrapper)
    return got


def _servers_started(monkeypatch) -> list:
    """Every fork server started from now on (childproc.Forkserver), in order."""
    import pipelines.childproc as CP

    servers, real_init = [], CP.Forkserver.__init__

    def init(self):
        real_init(self)
        servers.append(self)

    monkeypatch.setattr(CP.Forkserver, "__init__", init)
    return servers


def test_workers_are_forked_by_the_fork_server_which_ends_with_the_refresh(tmp_path, monkeypatch):
    """A refresh with something to extract starts its fork server as soon as discovery knows it
    (childproc.start_forkserver): the worker that reads the document is forked by it (no process imports the readers
    for it), and neither is left after the refresh. A refresh with nothing to extract starts neither."""
    from dataclasses import replace

    import pipelines.childproc as CP

    servers = _servers_started(monkeypatch)
    started = _recording(monkeypatch, CP, "start_worker")
    spawned = _recording(monkeypatch, CP, "spawn_worker")
    raw = _text_raw(tmp_path)
    wh = tmp_path / "wh" / "budget.duckdb"
    limits = replace(Limits.from_env(), workers=1, isolate=True)
    stats = refresh(raw, wh, limits=limits)
    assert stats["extracted"] == 1 and stats["documents"] == 1
    assert len(servers) == 1 and len(started) == 1 and spawned == []
    [w] = started
    assert isinstance(w, CP.ForkedWorker) and w.server is servers[0] and w.pid not in (None, servers[0].proc.pid)
    assert w.returncode == 0, "the worker did not end on its own"
    assert servers[0].proc.returncode == 0 and CP._FORKSERVER is None
    assert not _alive(w.pid) and not _alive(servers[0].proc.pid)
    stats = refresh(raw, wh, limits=limits)  # nothing new
    assert stats["cached"] == 1 and len(servers) == 1 and len(started) == 1


def test_the_cli_starts_the_fork_server_ahead_when_the_raw_folder_changed(tmp_path, monkeypatch):
    """pipelines.lookahead: before a completed refresh, and whenever a file of the raw folder was added or changed
    since the last one's discovery, the CLI starts the fork server before the refresh (cli._head_start); the refresh
    forks its worker from that server and ends it. With nothing changed it starts none; when the guess is wrong (a
    file touched, its bytes the same), the refresh stops the server: no extraction, no process left."""
    from dataclasses import replace

    import pipelines.childproc as CP
    from pipelines.cli import _head_start
    from pipelines.lookahead import likely_new, mark_path

    servers = _servers_started(monkeypatch)
    started = _recording(monkeypatch, CP, "start_worker")
    monkeypatch.setenv("CNBUDGET_ISOLATE", "1")
    raw = _text_raw(tmp_path)
    wh = tmp_path / "wh" / "budget.duckdb"
    staging = wh.parent / "staging"
    limits = replace(Limits.from_env(), workers=1, isolate=True)
    assert likely_new(raw, staging)  # no refresh has completed
    time.sleep(0.1)  # (a file changed in the last 50 ms before a discovery counts as changed after it: coarse clock)
    _head_start(raw, wh, force=False)
    assert len(servers) == 1 and CP._FORKSERVER is servers[0]
    stats = refresh(raw, wh, limits=limits)
    assert stats["extracted"] == 1 and len(started) == 1 and started[0].server is servers[0]
    assert CP._FORKSERVER is None and servers[0].proc.returncode == 0 and not _alive(servers[0].proc.pid)
    assert Path(mark_path(staging)) == wh.parent / ".staging-scanned" and Path(mark_path(staging)).exists()
    assert not likely_new(raw, staging)
    _head_start(raw, wh, force=False)  # nothing changed: no server
    assert len(servers) == 1 and CP._FORKSERVER is None

    (raw / "pingxiang.txt").touch()  # changed on disk, the same bytes: a wrong guess
    assert likely_new(raw, staging)
    time.sleep(0.1)
    _head_start(raw, wh, force=False)
    assert len(servers) == 2 and CP._FORKSERVER is servers[1]
    stats = refresh(raw, wh, limits=limits)
    assert stats["cached"] == 1 and stats["extracted"] == 0 and len(started) == 1
    assert CP._FORKSERVER is None and servers[1].proc.returncode == 0 and not _alive(servers[1].proc.pid)
    assert not likely_new(raw, staging)  # the completed refresh marked the folder as seen

    (raw / ".hidden").write_bytes(b"x")  # not read by a refresh: not a change
    assert not likely_new(raw, staging)
    (raw / ".cache").mkdir()  # a hidden folder: itself not read
    assert not likely_new(raw, staging)
    (raw / ".cache" / "new.txt").write_bytes(b"x")  # but its files are (pipelines.extract.scan)
    assert likely_new(raw, staging)
    (raw / ".cache" / "new.txt").unlink()
    (raw / "sub").mkdir()
    assert likely_new(raw, staging)  # a new folder (and a file in one) is


def test_a_fork_server_that_dies_takes_its_workers_with_it_and_the_document_is_recorded(tmp_path, monkeypatch):
    """The fork server killed while its worker reads a document: the worker dies with it (die_with_parent), and the
    refresh records the document as a dead worker's (SIGKILL: not a hang, not a timeout) and forgets the server."""
    import threading

    import pipelines.childproc as CP

    monkeypatch.setenv("CNBUDGET_FAULT", "child_extract:sleep=60")
    raw = _text_raw(tmp_path)
    started = _recording(monkeypatch, CP, "start_worker")
    killed = []

    def kill_server():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            fs = CP._FORKSERVER
            if started and fs is not None and started[0].pid is not None:
                time.sleep(0.5)  # (the worker has its document: it sleeps in child_extract)
                os.kill(fs.proc.pid, signal.SIGKILL)
                killed.append(started[0].pid)
                return
            time.sleep(0.05)

    t = threading.Thread(target=kill_server)
    t.start()
    t0 = time.monotonic()
    [r] = _extract(raw, tmp_path, Limits(timeout_s=55, workers=1))
    t.join()
    assert killed, "the fork server was never seen with its worker"
    assert r["error_kind"] == "worker_died" and "SIGKILL" in r["error"], r
    assert time.monotonic() - t0 < 50
    assert not _alive(killed[0]) and CP._FORKSERVER is None


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_no_extraction_outlives_a_killed_refresh(tmp_path, sig):
    raw = _text_raw(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CNBUDGET_")}
    env["CNBUDGET_FAULT"] = "child_extract:sleep=120"  # the child is busy extracting when the refresh is killed
    wh = tmp_path / "wh" / "budget.duckdb"
    p = subprocess.Popen([sys.executable, "-c", RUN, str(raw), str(wh)], env=env, cwd=Path(__file__).parents[1],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        kids: list[int] = []
        while len(kids) < 2 and time.monotonic() < deadline and p.poll() is None:
            time.sleep(0.2)
            # the fork server (a child of the refresh) and the worker it forked
            kids = [k for k in _descendants(p.pid) if "forkserver_main" in _cmdline(k)]
        assert len(kids) == 2, "no extraction child appeared"
        time.sleep(1.0)  # it is inside the extraction now
        p.send_signal(sig)
        p.wait(30)
        gone = time.monotonic() + 10
        while any(_alive(k) for k in kids) and time.monotonic() < gone:
            time.sleep(0.1)
        assert not any(_alive(k) for k in kids), f"extraction child survived {sig.name}"
        if sig == signal.SIGTERM:  # ended like Ctrl-C: its clean-up ran (children killed, their staging and
            # the snapshots removed, the lock released)
            assert p.returncode == 128 + signal.SIGTERM, p.stderr.read()[-2000:]
            assert not list((wh.parent / "staging").glob(".tmp-*"))
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


# ------------------------------------------------------------------ PDFs read like their plain twins
def test_a_copy_protected_pdf_reads_like_its_plain_twin(tmp_path):
    plain = read_pdf(B.good_pdf(tmp_path))
    prot = read_pdf(B.copy_protected_pdf(tmp_path))
    assert not plain.copy_protected and prot.copy_protected
    assert prot.table_count == plain.table_count > 0
    assert [b.cells for b in prot.blocks] == [b.cells for b in plain.blocks]
    assert not prot.warnings


@pytest.mark.parametrize("box", [b"[595 842 0 0]", b"[0 842 595 0]", b"[0 0 0 0]"])
def test_a_degenerate_mediabox_keeps_the_text(tmp_path, box):
    want = [b.cells for b in read_pdf(B.mediabox_pdf(tmp_path, b"[0 0 595 842]", "plain.pdf")).blocks]
    assert want == [["Budget notes for the year second line of the page"]]
    assert [b.cells for b in read_pdf(B.mediabox_pdf(tmp_path, box, "odd.pdf")).blocks] == want


# ------------------------------------------------------------------ the warehouse stays out of raw/
def test_a_warehouse_inside_the_raw_folder_is_refused(tmp_path):
    raw = _text_raw(tmp_path)
    for wh in (raw / "wh" / "budget.duckdb", raw / "budget.duckdb"):
        with pytest.raises(WarehouseInRaw, match="inside the raw folder"):
            refresh(raw, wh)
    assert sorted(p.name for p in raw.iterdir()) == ["pingxiang.txt"]  # nothing written there
    check_placement(raw, tmp_path / "budget.duckdb")  # beside the raw folder is fine
    with pytest.raises(WarehouseInRaw, match="staging folder"):  # the staging folder holding raw/ is not
        check_placement(tmp_path / "staging" / "raw", tmp_path / "budget.duckdb")
    res = runner.invoke(app, ["refresh", "--raw", str(raw), "--warehouse", str(raw / "x" / "budget.duckdb")])
    assert res.exit_code == 2 and "is inside the raw folder" in " ".join(res.output.split())
