"""The whole refresh as plain functions: used by the CLI and by the Dagster assets.

Each document is extracted in a child process (:func:`extract_all`) under the limits of
:mod:`pipelines.limits`: a document over the byte limit is not opened, a PDF over the page limit is
not read, a document that runs past the time limit is killed, a child that dies takes only its own
document with it.  Every such document gets a staged error (``document.json`` with ``status='error'``,
the same layout :func:`pipelines.extract.extract_one` writes) and so a row in ``core.ingest_errors``;
the batch continues.  Cached staged documents are verified (JSON and every Parquet file readable)
before they are loaded; a corrupt one is re-extracted.  A staging write that fails for lack of space
aborts the refresh before the build (:class:`StagingError`): the live warehouse is not touched.
"""
from __future__ import annotations

import errno
import json
import multiprocessing.connection as mpc
import os
import re
import shutil
import signal
import stat
import time
import uuid
import zlib
from collections import deque
from collections.abc import Callable
from pathlib import Path

from .childproc import child_pipes, forkserver_running, start_forkserver, stop_forkserver
from .config import gx_dir, staging_dir
from .extract import PARSER_VERSION, Discovered, SnapshotWriteError, extract_one, scan, staged_path
from .limits import LIMIT_KINDS, Limits, fault
from .lookahead import mark_scanned, scan_started

# staged errors that may say nothing lasting about the document (disk, a killed child): tried again
RETRY_KINDS = ("io_error", "worker_died")


class StagingError(OSError):
    """Staging could not be written (disk full, read-only…): the refresh stops before the build."""


# ------------------------------------------------------------------ manifest
MANIFEST_MAX_BYTES = 1024 * 1024  # a manifest is a few KB: more is not a manifest
MANIFEST_MAX_DEPTH = 3            # {path: {field: value}}: an object of objects of scalars


def _document_kinds() -> tuple[str, ...]:
    """The kinds a manifest may set: vocab/document_kinds.csv (what a file that is no PDF is, not_pdf, is
    decided from its bytes)."""
    import csv

    path = Path(__file__).resolve().parents[1] / "vocab" / "document_kinds.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        return tuple(r["kind"] for r in csv.DictReader(fh) if r["kind"] not in ("not_pdf", "unreadable"))


_DOCUMENT_KINDS = _document_kinds()
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _text(n: int):
    def check(v):
        if not isinstance(v, str) or not v.strip():
            return "must be a non-empty string"
        if len(v) > n:
            return f"is longer than {n} characters"
        if _CONTROL.search(v):
            return "holds control characters"
        return None
    return check


def _year(v):
    if isinstance(v, bool) or not (isinstance(v, int) or (isinstance(v, str) and v.isdigit() and len(v) == 4)):
        return "must be a year (an integer such as 2023)"
    if not 1949 <= int(v) <= 2100:
        return "is out of range (1949–2100)"
    return None


def _one_of(values):
    return lambda v: None if v in values else f"must be one of {', '.join(values)}"


# the fields a manifest entry may set, each with its check (None: valid)
MANIFEST_FIELDS = {
    "fiscal_year": _year,
    "county": _text(100),
    "region_code": lambda v: None if isinstance(v, str) and re.fullmatch(r"\d{6}", v) else "must be 6 digits (GB/T 2260)",
    "department": _text(200),
    "department_code": _text(50),
    "phase": _one_of(("budget", "final")),
    "published_at": _text(40),  # a text that is no date is a manifest_disagrees warning at extraction
    "document_kind": _one_of(_DOCUMENT_KINDS),
}


def _entry_problem(rel: str, meta) -> str | None:
    """Why a manifest entry cannot be applied (None: it can)."""
    from .extract import PROVENANCE

    if not isinstance(meta, dict):
        return f"manifest entry {rel!r} is not an object of field: value"
    prov = sorted(k for k in meta if k in PROVENANCE)
    if prov:
        return (f"manifest entry {rel!r} sets {', '.join(prov)}: what identifies a file is taken from the file "
                "itself, never from the manifest")
    unknown = sorted(k for k in meta if k not in MANIFEST_FIELDS)
    if unknown:
        return f"manifest entry {rel!r} has unknown field(s) {', '.join(map(repr, unknown))[:200]}"
    for k, v in meta.items():
        why = MANIFEST_FIELDS[k](v) if v is not None else None
        if why:
            return f"manifest entry {rel!r}: {k} {why} (got {v!r:.60})"
    return None


def _json_depth(text: str) -> int:
    """Deepest nesting of [ and { outside strings (computed before parsing: a deep document must not
    reach the recursive parser)."""
    depth = deepest = 0
    in_str = esc = False
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _manifest_text(raw_dir: Path) -> str | None:
    """The manifest's text, read once from a regular file inside the raw folder of at most
    MANIFEST_MAX_BYTES (ValueError otherwise); None when there is none."""
    from .extract import _open_checked, _Refused

    mf = raw_dir / "manifest.json"
    if not os.path.lexists(mf):
        return None
    try:
        fd, st = _open_checked(mf, os.path.realpath(raw_dir), MANIFEST_MAX_BYTES)
    except _Refused as e:
        raise ValueError(f"manifest.json refused: {e.error}") from None
    try:
        data = os.read(fd, MANIFEST_MAX_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MANIFEST_MAX_BYTES:
        raise ValueError(f"manifest.json is over {MANIFEST_MAX_BYTES} bytes")
    text = data.decode("utf-8")
    if _json_depth(text) > MANIFEST_MAX_DEPTH:
        raise ValueError(f"manifest.json is nested deeper than {MANIFEST_MAX_DEPTH} levels "
                         "({path: {field: value}} is all it may hold)")
    return text


def _manifest_entries(raw_dir: Path):
    """Yield (relative path, resolved path or None, meta, problem or None)."""
    text = _manifest_text(raw_dir)
    if text is None:
        return
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("manifest.json must be an object {relative path: {field: value}}")
    root = raw_dir.resolve()
    for rel, meta in data.items():
        try:
            p = (raw_dir / rel).resolve()
        except (OSError, RuntimeError, ValueError):
            p = None
        if p is None or root not in p.parents:
            yield rel, None, meta, f"manifest path escapes the raw folder: {rel!r}"
            continue
        problem = _entry_problem(rel, meta)
        yield (rel, None, meta, problem) if problem else (rel, p, meta, None)


def load_manifest(raw_dir: Path) -> dict[str, dict]:
    """Optional ``manifest.json`` in the raw folder: {relative path: {field: value}}
    overriding metadata read from the document (county, region_code, fiscal_year …; the fields of
    MANIFEST_FIELDS, checked).  Paths must stay inside the raw folder (ValueError otherwise, and for any
    entry that is not valid)."""
    out = {}
    for rel, p, meta, problem in _manifest_entries(Path(raw_dir)):
        if problem:
            raise ValueError(problem)
        out[str(p)] = meta
    return out


def read_manifest(raw_dir: Path) -> tuple[dict[str, dict], list[dict]]:
    """Like :func:`load_manifest` but never raises: bad entries are left out and returned as
    ingest-error records (a manifest that cannot be read applies no override at all)."""
    raw_dir = Path(raw_dir)
    mf = raw_dir / "manifest.json"
    out: dict[str, dict] = {}
    problems: list[dict] = []

    def err(msg: str, hint: str):
        problems.append({"document_id": None, "source_path": str(mf), "sha256": None,
                         "error_kind": "manifest_invalid", "error": msg, "hint": hint})

    try:
        for rel, p, meta, problem in _manifest_entries(raw_dir):
            if problem and "escapes the raw folder" in problem:
                err(f"{problem}; entry ignored",
                    "manifest paths are relative to the raw folder and must stay inside it")
            elif problem:
                err(f"{problem}; entry ignored", "manifest fields: " + ", ".join(MANIFEST_FIELDS))
            else:
                out[str(p)] = meta
    except (ValueError, UnicodeDecodeError, RecursionError, OSError, MemoryError) as e:
        err(f"manifest.json unreadable ({type(e).__name__}: {str(e)[:300]}); no override applied",
            "fix manifest.json: UTF-8 JSON {\"relative/path.pdf\": {\"fiscal_year\": 2023}}")
        out = {}
    return out, problems


# ------------------------------------------------------------------ staging helpers
def _write_json_atomic(path: Path, obj: dict):
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(obj, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)


def stage_error(d: Discovered, staging: Path, kind: str, message: str, hint: str,
                limits: Limits | None = None) -> dict:
    """Stage an error document for ``d`` exactly as extract_one does for a DocumentError."""
    target = staged_path(staging, d)
    tmp = staging / f".tmp-{d.document_id}-{os.getpid()}-err"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    doc = {"document_id": d.document_id, "source_path": str(d.path), "sha256": d.sha256, "bytes": d.size,
           "file_type": d.file_type, "parser_version": PARSER_VERSION, "status": "error", "error_kind": kind,
           "error": message, "hint": hint, "limits": limits.fingerprint() if limits else None}
    (tmp / "document.json").write_text(json.dumps(doc, ensure_ascii=False, default=str), encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    os.replace(tmp, target)
    return {"document_id": d.document_id, "status": "error", "path": str(d.path), "error": message,
            "error_kind": kind}


def verify_staged(target: Path, limits: Limits) -> str | None:
    """None when the staged folder can be loaded as it is; else why it must be re-extracted."""
    try:
        doc = json.loads((target / "document.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        return f"document.json unreadable ({type(e).__name__})"
    if not isinstance(doc, dict) or doc.get("status") not in ("loaded", "error") or not doc.get("document_id"):
        return "document.json incomplete"
    if doc["status"] == "error":
        if doc.get("error_kind") in RETRY_KINDS:
            return "transient error"
        if doc.get("error_kind") in LIMIT_KINDS and doc.get("limits") != limits.fingerprint():
            return "limits changed"
        return None
    # each file is read once: a folder whose files have the size and modification time they had when they were
    # written or last read whole is not read again (a refresh with nothing new stats its staged files instead of
    # decoding them)
    files = [target / "document.json"] + sorted(target.glob("*.parquet"))
    seen = _file_stats(files)
    mark = target / VERIFIED
    try:
        if seen is not None and json.loads(mark.read_text(encoding="utf-8")) == seen:
            return None
    except (OSError, ValueError):
        pass
    import pyarrow.parquet as pq  # (only here: 0.25 s of import that a refresh with nothing new does not need)

    for p in files[1:]:
        try:
            pq.read_table(p)
        except Exception as e:  # noqa: BLE001 - any failure to read is corruption
            return f"{p.name} unreadable ({type(e).__name__})"
    mark_verified(target, seen)
    return None


VERIFIED = ".verified.json"  # in a staged folder: the stats of its files when they were written or last read whole


def mark_verified(target: Path, seen: dict | None = None):
    """Record the stats of a staged folder's files (just written whole by an extraction, or just read whole:
    ``seen``, the stats taken before the read)."""
    seen = seen or _file_stats([target / "document.json"] + sorted(target.glob("*.parquet")))
    if seen is not None:
        try:
            _write_json_atomic(target / VERIFIED, seen)
        except OSError:
            pass  # (read whole next time)


def _file_stats(files: list[Path]) -> dict | None:
    try:
        return {p.name: [(st := p.stat()).st_size, st.st_mtime_ns] for p in files}
    except OSError:
        return None


def _pdf_probe(path: Path, sample_pages: int = 5) -> tuple[int, float] | None:
    """(page count, share of unmapped glyphs in the text layer of the first pages) from pdfium —
    cheap: the page tree and a few text pages only.  None when the file does not open here (the
    reader then reports why)."""
    try:
        import pypdfium2 as pdfium
        import pypdfium2.raw as pdfium_c

        doc = pdfium.PdfDocument(str(path))
    except Exception:  # noqa: BLE001
        return None
    unicode_of, map_error = pdfium_c.FPDFText_GetUnicode, pdfium_c.FPDFText_HasUnicodeMapError
    try:
        n = len(doc)
        chars = bad = 0
        for i in range(min(n, sample_pages)):
            page = doc[i]
            tp = page.get_textpage()
            try:
                raw = tp.raw
                for k in range(pdfium_c.FPDFText_CountChars(raw)):
                    if (unicode_of(raw, k) or 32) in _SPACES:
                        continue
                    chars += 1
                    bad += map_error(raw, k) == 1
            finally:
                tp.close()
                page.close()
        return n, (bad / chars if chars else 0.0)
    except Exception:  # noqa: BLE001
        return None
    finally:
        doc.close()


_SPACES = frozenset(c for c in range(0x3001) if chr(c).isspace())  # (str.isspace's code points: all below U+3001)
UNMAPPED_SHARE = 0.5  # more than half the glyphs of the first pages without a Unicode mapping: not read

_STREAM = re.compile(rb"stream\r?\n")


def inflation_bomb(path: Path, limit: int, chunk: int = 1 << 20) -> tuple[int, int] | None:
    """(offset, bytes) of the first stream of the file that inflates (zlib / FlateDecode) to more than
    ``limit`` bytes, else None.  Every stream is inflated in chunks of ``chunk`` bytes that are thrown away,
    so the check costs about a second per GB inflated and no memory.  (A stream that is encrypted or
    filtered twice is not measured here: the address-space limit of the child is the backstop.)"""
    with open(path, "rb") as fh:
        data = fh.read()
    mv = memoryview(data)
    step = 1 << 16
    for m in _STREAM.finditer(data):
        start = pos = m.end()
        z = zlib.decompressobj()
        try:
            out = len(z.decompress(mv[pos:pos + step], chunk))
            pos += step
            while not z.eof and out <= limit:
                if z.unconsumed_tail:
                    got = z.decompress(z.unconsumed_tail, chunk)
                elif pos < len(data):
                    got = z.decompress(mv[pos:pos + step], chunk)
                    pos += step
                else:
                    break
                out += len(got)
        except zlib.error:
            continue  # not a Flate stream (or damaged): the reader says what it is
        if out > limit:
            return start, out
    return None


_NO_SPACE = (errno.ENOSPC, errno.EDQUOT, errno.EROFS)


def _extract_checked(d: Discovered, staging: Path, override: dict | None, force: bool, limits: Limits) -> dict:
    """extract_one plus the page limit, run inside the child."""
    target = staged_path(staging, d)
    if d.file_type == "pdf" and (force or not target.exists()):
        bomb = inflation_bomb(d.read_path, limits.max_stream_mb * 1024 * 1024)
        if bomb is not None:
            return stage_error(d, staging, "too_large",
                               f"a compressed stream (at byte {bomb[0]}) inflates to more than "
                               f"{limits.max_stream_mb} MB (CNBUDGET_MAX_STREAM_MB); not read",
                               "check the file (a decompression bomb?); raise CNBUDGET_MAX_STREAM_MB if it is genuine",
                               limits)
        probe = _pdf_probe(d.read_path)
        if probe is not None and probe[0] > limits.max_pages:
            return stage_error(d, staging, "too_many_pages",
                               f"{probe[0]} pages, over the limit of {limits.max_pages} (CNBUDGET_MAX_PAGES); not read",
                               "split the document, or raise CNBUDGET_MAX_PAGES if it is genuine", limits)
        if probe is not None and probe[1] > UNMAPPED_SHARE:
            return stage_error(d, staging, "unmapped_glyphs",
                               f"{probe[1]:.0%} of the characters on the first pages have no Unicode mapping "
                               "(fonts without ToUnicode: text would come out as (cid:…) garbage); not read",
                               "get a PDF with a proper text layer (or an export), or OCR the page images")
    try:
        res = extract_one(d, staging, override, force=force)
    except OSError as e:  # writing the staged document failed
        shutil.rmtree(staging / f".tmp-{d.document_id}-{os.getpid()}", ignore_errors=True)
        return {"document_id": d.document_id, "status": "io_error", "path": str(d.path),
                "error": f"{type(e).__name__}: {e}", "errno": e.errno}
    if res["status"] == "error":
        doc_path = target / "document.json"
        doc = json.loads(doc_path.read_text(encoding="utf-8"))
        err = doc.get("error") or ""
        if doc.get("error_kind") == "parser_crash" and err.startswith(("OSError", "PermissionError")):
            # the environment failed, not the document: nothing is cached
            shutil.rmtree(target, ignore_errors=True)
            no = next((n for n in _NO_SPACE if f"[Errno {n}]" in err), None)
            return {**res, "status": "io_error", "errno": no}
        if doc.get("error_kind") == "parser_crash" and err.startswith("MemoryError"):
            return stage_error(d, staging, "memory_limit",
                               f"extraction ran out of memory (limit {limits.max_memory_mb} MB, "
                               "CNBUDGET_MAX_MEMORY_MB)",
                               "check the file (a PDF bomb?); raise CNBUDGET_MAX_MEMORY_MB if it is genuine",
                               limits)
    return res


def _child_main():
    """A worker process (``python -c "from pipelines.refresh import _child_main; _child_main()"``):
    reads (limits, fault spec) then documents as pickled messages on stdin, answers on stdout, one
    document at a time, until None or EOF.  A plain subprocess, not multiprocessing: nothing of the
    caller's ``__main__`` is re-imported."""
    import sys
    import traceback

    code = 0
    try:
        _child_loop()
    except BaseException:  # noqa: BLE001 - reported on stderr; the parent sees the document it was reading fail
        traceback.print_exc()
        code = 1
    finally:
        # every staged folder it wrote is closed and reported: it ends without tearing its modules down (0.27 s
        # with the readers loaded, which the refresh waits for; nor do the extension modules report as leaked the
        # objects _warm_up froze)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _child_loop():
    import resource

    conn_in, conn_out = child_pipes()
    # the readers first (a worker forked by the fork server has them already: pipelines.childproc.forkserver_main)
    _warm_up()
    try:
        limits_d, fault_spec, parser_version = conn_in.recv()
    except (EOFError, OSError):
        return
    # stage under the parent's parser version even if the code changed on disk since it started:
    # the parent looks for the staged folder under its own version
    from . import extract as _extract

    global PARSER_VERSION
    _extract.PARSER_VERSION = PARSER_VERSION = parser_version
    limits = Limits(**limits_d)
    if limits.max_memory_mb > 0:
        cap = limits.max_memory_mb * 1024 * 1024
        try:
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        except (ValueError, OSError):
            pass
    while True:
        try:
            task = conn_in.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        d_fields, staging, override, force = task
        d = Discovered.from_fields(d_fields)
        fault("child_extract", fault_spec)
        try:
            res = _extract_checked(d, Path(staging), override, force, limits)
        except BaseException as e:  # noqa: BLE001 - report, never hang the parent
            res = {"document_id": d.document_id, "status": "io_error" if isinstance(e, OSError) else "crash",
                   "path": str(d.path), "error": f"{type(e).__name__}: {e}",
                   "errno": getattr(e, "errno", None)}
        try:
            conn_out.send(res)
        except (BrokenPipeError, OSError):
            return


def _warm_up():
    """In a worker, before its first document: import the readers now (the parent is still checking the other
    documents meanwhile), then move everything imported out of the garbage collector's sight (``gc.freeze``)
    and collect less often (the readers allocate millions of objects per document; see
    ``readers.pdf.GC_THRESHOLD``)."""
    import gc

    try:
        import camelot  # noqa: F401 - imported on the first table page otherwise

        from .readers import pdf
    except Exception:  # noqa: BLE001 - the document that needs it reports the failure
        return
    gc.collect()
    gc.freeze()
    gc.set_threshold(*pdf.GC_THRESHOLD)


def _vm_peak_kb(pid: int) -> int | None:
    """Peak address space of a process (VmPeak, kB), None when it cannot be read."""
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmPeak:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


class _Child:
    def __init__(self, limits: Limits, fault_spec: str):
        from .childproc import start_worker

        self.proc = start_worker()  # (its own process group; forked by the refresh's fork server when it runs)
        self.peak_kb = 0
        self.tx = mpc.Connection(os.dup(self.proc.stdin.fileno()), readable=False)
        self.conn = mpc.Connection(os.dup(self.proc.stdout.fileno()), writable=False)
        self.proc.stdin.close()
        self.proc.stdout.close()
        self.done = 0
        self.doc: Discovered | None = None
        self.deadline = 0.0
        self.send((limits.as_dict(), fault_spec, PARSER_VERSION))

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def send(self, obj) -> bool:
        try:
            self.tx.send(obj)
            return True
        except (BrokenPipeError, OSError):
            return False

    def _close(self):
        for c in (self.tx, self.conn):
            try:
                c.close()
            except OSError:
                pass

    def sample(self):
        if self.pid is not None:  # (a forked worker's pid is known once the fork server answered)
            self.peak_kb = max(self.peak_kb, _vm_peak_kb(self.pid) or 0)

    def _killpg(self):
        from .childproc import killpg

        kill_group = getattr(self.proc, "kill_group", None)  # a forked worker (pipelines.childproc.ForkedWorker)
        if kill_group is not None:
            kill_group()
        else:
            killpg(self.pid)

    def kill(self, staging: Path | None = None):
        if self.alive():
            self._killpg()
        self.proc.wait()
        self._killpg()  # anything it started
        self._close()
        # what it was writing is not a staged document
        if staging is not None and self.doc is not None and self.pid is not None:
            shutil.rmtree(staging / f".tmp-{self.doc.document_id}-{self.pid}", ignore_errors=True)

    def stop(self):
        self.send(None)
        try:
            self.proc.wait(10)
        except Exception:  # noqa: BLE001 - subprocess.TimeoutExpired
            self._killpg()
            self.proc.wait()
        self._killpg()
        self._close()


def _signal_name(code: int | None) -> str:
    import signal

    if code is None or code >= 0:
        return f"exit code {code}"
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


def snapshot_dir(staging: Path) -> Path:
    """Where this process keeps the snapshots of the files it extracts (a ``.tmp-*`` folder: what a killed
    refresh leaves there is deleted by the next one)."""
    return staging / f".tmp-snap-{os.getpid()}"


def _snapshot(d: Discovered, snapshots: Path, limits: Limits) -> Discovered | dict:
    """``d`` with a private copy of its bytes (opened once, copied while hashed, the hash checked against
    ``d.sha256``), or an ingest-error record when the file is refused or no longer holds those bytes."""
    from .extract import _open_checked, _Refused, copy_snapshot

    real = os.path.realpath(d.path)
    try:
        fd, st = _open_checked(Path(real), os.path.dirname(real), limits.max_bytes)
        try:
            src = snapshots / f"{d.document_id}{d.path.suffix.lower()}"
            sha = copy_snapshot(fd, limits.max_bytes, st, src)
        finally:
            os.close(fd)
        if sha != d.sha256:
            src.unlink(missing_ok=True)
            raise _Refused("file_changed", "the file changed after it was discovered (other bytes now); not read",
                           "it is read again on the next refresh")
    except _Refused as e:
        return {"document_id": None, "source_path": str(d.path), "sha256": None, "error_kind": e.kind,
                "error": e.error, "hint": e.hint}
    except OSError as e:
        if isinstance(e, SnapshotWriteError) or e.errno in _NO_SPACE:
            raise StagingError(e.errno, f"cannot write staging under {snapshots}: {e}; free disk space and run "
                               "the refresh again") from e
        return {"document_id": None, "source_path": str(d.path), "sha256": None, "error_kind": "io_error",
                "error": f"cannot read the file ({type(e).__name__}: {e.strerror or e}); not read",
                "hint": "it is tried again on the next refresh"}
    return Discovered(d.path, d.sha256, d.size, d.file_type, src, st.st_mtime if d.mtime is None else d.mtime)


def extract_all(docs: list[Discovered], staging: Path, manifest: dict[str, dict], *, force: bool = False,
                limits: Limits | None = None,
                progress: Callable[[int, int, dict], None] | None = None,
                snapshots: Path | None = None) -> list[dict]:
    """Extract and stage every document (one child process per worker slot, see module doc).
    Returns one status dict per document, in the order of ``docs``; a document that could not be read at
    all (it changed, or is refused) has status ``error`` and its ingest-error record under ``record``
    (nothing staged: it is tried again next time).  The readers open a snapshot of the bytes that were
    hashed (``Discovered.source``, taken here when discovery did not); snapshots are deleted as documents
    finish.  Raises :class:`StagingError` when staging cannot be written."""
    limits = limits or Limits.from_env()
    staging.mkdir(parents=True, exist_ok=True)
    snapshots = snapshots or snapshot_dir(staging)
    fault_spec = os.environ.get("CNBUDGET_FAULT", "")
    results: dict[str, dict] = {}
    todo: list[Discovered] = []
    count = [0]

    def done(d: Discovered, r: dict):
        results[d.document_id] = r
        if r.get("status") == "extracted":  # written whole just now: its files' stats are those of a verified folder
            mark_verified(staged_path(staging, d))
        if d.source is not None and d.source.parent == snapshots:
            d.source.unlink(missing_ok=True)
        count[0] += 1
        if progress:
            progress(count[0], len(docs), r)
        if count[0] == 1:
            fault("during_extract", fault_spec)

    def override(d):
        return manifest.get(str(d.path.resolve()))

    def finish(d: Discovered, r: dict):
        if r["status"] == "io_error":
            if r.get("errno") in _NO_SPACE:
                raise StagingError(r.get("errno"), f"cannot write staging under {staging} while extracting "
                                   f"{d.path.name}: {r['error']}; free disk space and run the refresh again")
            r = stage_error(d, staging, "io_error", f"I/O error while extracting: {r['error']}",
                            "check the file and the disk; it is tried again on the next refresh")
        elif r["status"] == "crash":
            r = stage_error(d, staging, "worker_died", f"the extraction process failed: {r['error']}",
                            "report this document to the cnbudget maintainers", limits)
        done(d, r)

    # the worker processes start with the first document to extract (forked by the fork server, which imports their
    # readers meanwhile: the refresh starts it sooner, at discovery; otherwise it starts here): the imports overlap
    # the checks of the remaining documents (a refresh with nothing new starts none)
    children: list[_Child] = []
    own_server = False
    try:
        for d in docs:
            target = staged_path(staging, d)
            if target.exists() and not force:
                why = verify_staged(target, limits)
                if why is None:
                    done(d, {"document_id": d.document_id, "status": "cached", "path": str(d.path)})
                    continue
                shutil.rmtree(target, ignore_errors=True)  # corrupt or stale: extract again
            if d.size > limits.max_bytes:
                done(d, stage_error(d, staging, "too_large",
                                    f"{d.size} bytes, over the limit of {limits.max_bytes} (CNBUDGET_MAX_BYTES); "
                                    "not read", "check the file; raise CNBUDGET_MAX_BYTES if it is genuine", limits))
                continue
            if d.source is None and d.size > 0:
                got = _snapshot(d, snapshots, limits)
                if isinstance(got, dict):
                    done(d, {"document_id": d.document_id, "status": "error", "path": str(d.path),
                             "error": got["error"], "error_kind": got["error_kind"], "record": got})
                    continue
                d = got
            todo.append(d)
            if limits.isolate and len(children) < limits.workers:
                if not children and not forkserver_running():  # (the refresh starts one sooner)
                    start_forkserver()
                    own_server = True
                children.append(_Child(limits, fault_spec))
        _extract_todo(todo, staging, limits, force, override, finish, done, fault_spec, children)
    finally:
        for c in children:
            if c.doc is not None:
                c.kill(staging)
            elif c.alive():
                c.stop()
            else:
                c.kill()
        if own_server:
            stop_forkserver()
        for d in todo:
            if d.source is not None and d.source.parent == snapshots:
                d.source.unlink(missing_ok=True)
        shutil.rmtree(snapshots, ignore_errors=True)
    return [results[d.document_id] for d in docs]


_PAGE_OBJECT = re.compile(rb"/Type\s{0,8}/Page(?![A-Za-z])")  # at most 19 bytes long


def _work_estimate(d: Discovered, chunk: int = 1 << 20) -> int:
    """About how many pages a document holds, without opening it as a PDF (the parent never parses a document):
    the page objects in its bytes (``/Type /Page``, read 1 MB at a time); a document whose page objects are
    all compressed (object streams) counts one page per 10 KB."""
    n = size = 0
    tail = b""
    try:
        with open(d.read_path, "rb") as fh:
            while True:
                data = fh.read(chunk)
                size += len(data)
                buf = tail + data
                cut = len(buf) - 64 if data else len(buf)  # a match starting before cut is whole
                n += sum(1 for m in _PAGE_OBJECT.finditer(buf, 0, len(buf)) if m.start() < cut)
                if not data:
                    break
                tail = buf[cut:]
    except OSError:
        return 0
    return n or size // 10_000


def _extract_todo(todo: list[Discovered], staging: Path, limits: Limits, force: bool, override, finish, done,
                  fault_spec: str, children: list):
    """Extract ``todo`` in the worker processes ``children`` (started by the caller, replaced here; the caller
    stops them).  The largest documents go first, so that the workers finish together."""
    if not limits.isolate:
        for d in todo:
            finish(d, _extract_checked(d, staging, override(d), force, limits))
        return

    pending = deque(sorted(todo, key=_work_estimate, reverse=True)) if len(children) > 1 else deque(todo)
    while True:
        for i, c in enumerate(children):
            if c.doc is None and pending:
                if c.done >= limits.max_tasks_per_child or not c.alive():
                    c.stop()
                    c = children[i] = _Child(limits, fault_spec)
                d = pending.popleft()
                c.doc, c.deadline = d, time.monotonic() + limits.timeout_s
                # a child that cannot take it is seen below as dead
                c.send((d.fields(), str(staging), override(d), force))
        busy = [c for c in children if c.doc is not None]
        if not busy:
            break
        wait = max(0.0, min(c.deadline for c in busy) - time.monotonic())
        mpc.wait([c.conn for c in busy], timeout=min(wait, 0.25))  # a result, or EOF when a child dies
        for c in busy:
            c.sample()  # its address space, to tell a death at the memory limit from another
        for i, c in enumerate(children):
            d = c.doc
            if d is None:
                continue
            res, dead = None, False
            try:
                if c.conn.poll():
                    res = c.conn.recv()
            except (EOFError, OSError):
                dead = True
            if res is not None:
                c.doc, c.done = None, c.done + 1
                finish(d, res)
                continue
            late = time.monotonic() >= c.deadline
            if not (dead or late):
                continue
            c.kill(staging)
            cap_kb = (limits.max_memory_mb or 0) * 1024
            if dead and cap_kb and c.peak_kb >= 0.85 * cap_kb and c.proc.returncode != 0:
                r = stage_error(d, staging, "memory_limit",
                                f"the extraction process reached its memory limit ({limits.max_memory_mb} MB of "
                                f"address space, CNBUDGET_MAX_MEMORY_MB; peak {c.peak_kb // 1024} MB) and died "
                                f"({_signal_name(c.proc.returncode)}); not read",
                                "check the file (a PDF bomb?); raise CNBUDGET_MAX_MEMORY_MB if it is genuine",
                                limits)
            elif dead:
                r = stage_error(d, staging, "worker_died",
                                f"the extraction process died ({_signal_name(c.proc.returncode)}) while reading "
                                f"this document (memory limit {limits.max_memory_mb} MB, CNBUDGET_MAX_MEMORY_MB)",
                                "check the file (a PDF bomb or a reader crash); report it if it is genuine",
                                limits)
            else:
                r = stage_error(d, staging, "timeout",
                                f"extraction did not finish within {limits.timeout_s:g} s (CNBUDGET_TIMEOUT_S); "
                                "the process was stopped",
                                "check the file (a PDF bomb?); raise CNBUDGET_TIMEOUT_S if it is genuine", limits)
            children[i] = _Child(limits, fault_spec) if pending else c
            if children[i] is c:
                c.doc = None
            done(d, r)


# ------------------------------------------------------------------ the refresh
def _clean_leftovers(warehouse: Path, staging: Path):
    """Files a killed refresh can leave behind (we hold the lock: nobody else is writing)."""
    for p in warehouse.parent.glob(f"{warehouse.name}.building-*"):
        p.unlink(missing_ok=True)
    if staging.is_dir():
        for p in staging.glob(".tmp-*"):
            shutil.rmtree(p, ignore_errors=True)


class _RealPaths:
    """``os.path.realpath`` of many files in few folders: each folder resolved once, then one ``lstat`` a file (a
    link resolved in full). Path.resolve() of the 1,001 paths of a 1,000-document raw folder and of their staged
    records took 0.05-0.1 s of a refresh, lstat-ing every component of every path."""

    def __init__(self):
        self.folders: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        head, tail = os.path.split(path)
        if tail in ("", ".", ".."):
            return os.path.realpath(path)
        folder = self.folders.get(head)
        if folder is None:
            folder = self.folders[head] = os.path.realpath(head)
        full = os.path.join(folder, tail)
        try:
            if stat.S_ISLNK(os.lstat(full).st_mode):
                return os.path.realpath(full)
        except OSError:
            pass
        return full


def superseded_versions(docs: list[Discovered], staging: Path, limits: Limits | None = None) -> list[Path]:
    """Staged documents that were read from a path which now holds other bytes: a document republished in
    place. They stay in the build as earlier versions (``core.document_version``), queryable as history.
    Only those staged by the current parser version qualify (older staging may not match today's tables);
    a file that is gone altogether takes its staged versions out of the warehouse with it; a staged version
    that no longer reads (corrupt) is left out, since its file cannot be read again."""
    limits = limits or Limits.from_env()
    real = _RealPaths()
    current = {real(str(d.path)): d.document_id for d in docs}
    found = []
    for p in sorted(staging.glob(f"*-v{PARSER_VERSION}")):
        if not p.is_dir() or p.name.startswith("."):
            continue
        try:
            rec = json.loads((p / "document.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        now = current.get(real(rec.get("source_path", "")))
        if rec.get("status") == "loaded" and now is not None and now != rec.get("document_id") \
                and verify_staged(p, limits) is None:
            found.append(p)
    return found


def outside_raw(docs: list[Discovered], raw_dir: Path) -> tuple[list[Discovered], list[dict]]:
    """Files whose real path is outside the raw folder (symlinks) are not read."""
    root = raw_dir.resolve()
    keep, errs = [], []
    for d in docs:
        if root in d.path.resolve().parents:
            keep.append(d)
        else:
            errs.append({"document_id": d.document_id, "source_path": str(d.path), "sha256": d.sha256,
                         "error_kind": "outside_raw",
                         "error": f"the file resolves to {d.path.resolve()}, outside the raw folder; not read",
                         "hint": "copy the document into the raw folder instead of linking to it"})
    return keep, errs


class WarehouseInRaw(ValueError):
    """The warehouse or its staging would sit inside the raw folder (it would ingest its own output)."""


def check_placement(raw_dir: Path, warehouse: Path) -> None:
    """Refuse a warehouse or a staging folder inside the raw folder (it would read its own output), and a raw
    folder inside the staging folder (staging is cleaned)."""
    raw = os.path.realpath(raw_dir)
    for what, p in (("warehouse", warehouse.parent), ("staging folder", staging_dir(warehouse))):
        real = os.path.realpath(p)
        if real == raw or real.startswith(raw.rstrip(os.sep) + os.sep) or (
                what == "staging folder" and raw.startswith(real.rstrip(os.sep) + os.sep)):
            raise WarehouseInRaw(f"the {what} {p} is inside the raw folder {raw_dir} (or holds it): the refresh would "
                                 "read its own output; put the warehouse outside the raw folder")


class _Terminated(SystemExit):
    pass


def _on_sigterm(signum, frame):
    raise _Terminated(128 + signum)


def _preload_checks(gx_root: Path) -> None:
    """A build follows: the process that runs its Great Expectations checkpoint (:mod:`pipelines.gxproc`, started
    now unless the CLI started it ahead of discovery) opens the GX project and waits for the checks, while the
    refresh extracts and builds. Only for a refresh with documents to extract (or ``--force``/``--full``): one with
    every document staged may build nothing."""
    from . import gxproc

    gxproc.preload(gx_root)
    _prefetch_build_modules()


# what the build imports once the documents are extracted; this
# process only waits for its extraction workers meanwhile
BUILD_MODULES = ("pipelines.checks", "pipelines.subjects", "pipelines.dictionary")


def _prefetch_build_modules() -> None:
    """Import :data:`BUILD_MODULES` in a thread while the refresh waits for its workers: off the longest path of a
    small refresh (one new document: extraction, then the build, then its checks). An import the build reaches
    first it does itself, Python's import lock seeing to it that a module is executed once."""
    import importlib
    import sys
    import threading

    todo = [m for m in BUILD_MODULES if m not in sys.modules]
    if not todo:
        return

    def run():
        for m in todo:
            try:
                importlib.import_module(m)
            except Exception:  # noqa: BLE001 - the build imports it again and reports the failure
                return

    threading.Thread(target=run, name="cnbudget-prefetch", daemon=True).start()


def _end_preload() -> None:
    """At the end of a refresh: the GX process it started and did not use (nothing built, or a failure before the
    checks) ends (killed outright if it only imported GX); the one building the Data Docs is waited for."""
    from . import gxproc

    gxproc.discard()


def discover_inputs(raw_dir: Path, staging: Path, limits: Limits, snapshots: Path | None = None,
                    force: bool = False) -> tuple[list[Discovered], list[tuple[Discovered, Discovered]], dict, list[dict]]:
    """What a refresh reads: (unique documents, duplicates (copy, first seen), manifest overrides, ingest-error
    records of what was refused). With ``snapshots``, the documents not yet staged (all of them with ``force``)
    are snapshotted while hashed (see :func:`pipelines.extract.scan`)."""
    manifest, extra_errors = read_manifest(raw_dir)

    def need(sha: str) -> bool:
        return force or not (staging / f"{sha[:16]}-v{PARSER_VERSION}").exists()

    try:
        docs, refused = scan(raw_dir, limits, snapshots, need if snapshots is not None else None)
    except BaseException as e:
        if snapshots is not None:
            shutil.rmtree(snapshots, ignore_errors=True)
        if isinstance(e, SnapshotWriteError) or (isinstance(e, OSError) and e.errno in _NO_SPACE):
            raise StagingError(e.errno, f"cannot write staging under {staging}: {e}; free disk space and run "
                               "the refresh again") from e
        raise
    extra_errors += refused
    # the same bytes twice under two names are one document
    seen: dict[str, Discovered] = {}
    duplicates = []
    for d in docs:
        if d.sha256 in seen:
            duplicates.append((d, seen[d.sha256]))
        else:
            seen[d.sha256] = d
    return list(seen.values()), duplicates, manifest, extra_errors


def up_to_date(raw_dir: Path, warehouse: Path, limits: Limits | None = None) -> bool:
    """True when a refresh of ``raw_dir`` would change nothing in ``warehouse``: every document is staged under
    the current parser version and the live warehouse was built from exactly these inputs and this code. Reads
    (hashes) the raw folder, extracts and writes nothing: what a schedule asks before it starts a run."""
    raw_dir, warehouse = Path(raw_dir), Path(warehouse)
    if not raw_dir.is_dir() or not warehouse.exists():
        return False
    from .warehouse import inputs_fingerprint, live_fingerprint

    limits = limits or Limits.from_env()
    staging = staging_dir(warehouse)
    unique, _, _, extra_errors = discover_inputs(raw_dir, staging, limits)
    staged = [staged_path(staging, d) for d in unique]
    if not all((p / "document.json").exists() for p in staged):
        return False
    staged += superseded_versions(unique, staging, limits)
    return live_fingerprint(warehouse) == inputs_fingerprint(staged, extra_errors,
                                                             {d.document_id: str(d.path) for d in unique})


def refresh(raw_dir: Path, warehouse: Path, *, force: bool = False, full: bool = False,
            progress: Callable[[int, int, dict], None] | None = None, limits: Limits | None = None,
            after_build: Callable[[dict], None] | None = None, on_built: Callable | None = None) -> dict:
    """Discover, extract, build, check and swap in (see the module doc).  SIGTERM (cron, systemd, timeout)
    ends it like Ctrl-C: the extraction children are killed, the lock released, the live warehouse kept.
    ``after_build(stats)`` runs once the warehouse is in place, still under the refresh lock, while the GX process
    builds this run's Data Docs (the CLI renders its dashboard there). ``on_built(con)``: see
    :func:`pipelines.warehouse.build` (not called when nothing is built)."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        return _refresh(raw_dir, warehouse, force=force, full=full, progress=progress, limits=limits,
                        after_build=after_build, on_built=on_built)
    before = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return _refresh(raw_dir, warehouse, force=force, full=full, progress=progress, limits=limits,
                        after_build=after_build, on_built=on_built)
    finally:
        signal.signal(signal.SIGTERM, before)


def _refresh(raw_dir: Path, warehouse: Path, *, force: bool = False, full: bool = False,
             progress: Callable[[int, int, dict], None] | None = None, limits: Limits | None = None,
             after_build: Callable[[dict], None] | None = None, on_built: Callable | None = None) -> dict:
    raw_dir, warehouse = Path(raw_dir), Path(warehouse)
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"raw folder {raw_dir} does not exist")
    check_placement(raw_dir, warehouse)
    limits = limits or Limits.from_env()
    # (here, not at the top: this module is what the extraction fork server imports, and its workers need no DuckDB)
    from .warehouse import publish, refresh_lock

    with refresh_lock(warehouse):
        fault("after_lock")
        staging = staging_dir(warehouse)
        _clean_leftovers(warehouse, staging)
        staging.mkdir(parents=True, exist_ok=True)
        snapshots = snapshot_dir(staging)
        scanned = scan_started()
        unique, duplicates, manifest, extra_errors = discover_inputs(raw_dir, staging, limits, snapshots, force)
        to_extract = force or any(not (staged_path(staging, d) / "document.json").exists() for d in unique)
        if not to_extract:
            stop_forkserver()  # (one the CLI started on a guess: pipelines.lookahead)
        if to_extract or full:
            _preload_checks(gx_dir(warehouse))  # a build follows: GX loads meanwhile, beside the workers
        if to_extract and limits.isolate:
            start_forkserver()  # it imports the readers its workers need while the staged documents are checked
        try:
            results = extract_all(unique, staging, manifest, force=force, limits=limits, progress=progress,
                                  snapshots=snapshots)
            stop_forkserver()  # (its workers have ended: its memory is the build's)
            extra_errors += [r["record"] for r in results if r.get("record")]
            # earlier versions of documents republished in place
            staged = [staged_path(staging, d) for d in unique] + superseded_versions(unique, staging, limits)
            paths = {d.document_id: str(d.path) for d in unique}
            stats = publish(staged, warehouse, extra_errors=extra_errors, paths=paths, full=force or full,
                            on_built=on_built)
            stats["extracted"] = sum(r["status"] == "extracted" for r in results)
            stats["cached"] = sum(r["status"] == "cached" for r in results)
            stats["errors"] = [r for r in results if (r["status"] == "error" or r.get("error")) and not r.get("record")] + [
                {"path": e["source_path"], "status": "error", "error": e["error"], "error_kind": e["error_kind"]}
                for e in extra_errors]
            stats["duplicates"] = [(str(a.path), str(b.path)) for a, b in duplicates]
            stats["limits"] = limits.as_dict()
            mark_scanned(staging, scanned)
            if after_build is not None:
                after_build(stats)
            return stats
        finally:
            stop_forkserver()
            _end_preload()
