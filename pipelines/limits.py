"""Limits on one document's extraction, and the fault-injection hook used by the fault tests.

Every document is extracted in a child process (see :func:`pipelines.refresh.extract_all`); the limits
below are enforced around it, so a hostile or broken file costs at most ``timeout_s`` seconds and
``max_memory_mb`` of address space and never stops the batch:

=====================  ==========================  =========  ==================================================
setting                environment variable        default    enforced
=====================  ==========================  =========  ==================================================
``max_bytes``          ``CNBUDGET_MAX_BYTES``      200 MB     at discovery, on the open descriptor, before a byte is
                                                              hashed (no child started)
``max_pages``          ``CNBUDGET_MAX_PAGES``      1000       in the child, before reading: pdfium page count
``timeout_s``          ``CNBUDGET_TIMEOUT_S``      300 s      wall clock per document; the child is killed
``max_memory_mb``      ``CNBUDGET_MAX_MEMORY_MB``  auto       ``RLIMIT_AS`` of the child (0 = no limit); auto = 60 % of
                                                              the machine's memory shared by the workers, clamped
                                                              to 2560–6144 MB (:func:`auto_memory_mb`)
``max_stream_mb``      ``CNBUDGET_MAX_STREAM_MB``  256 MB     in the child, before pdfium: no Flate stream of a PDF
                                                              may inflate past it (decompressed in bounded chunks
                                                              and thrown away) → ``too_large``
``workers``            ``CNBUDGET_WORKERS``        2          child processes extracting in parallel
``max_tasks_per_child``  ``CNBUDGET_MAX_TASKS``    50         a child is replaced after this many documents
``isolate``            ``CNBUDGET_ISOLATE``        1          0 = extract in-process (no timeout/memory limit;
                                                              for debugging only)
=====================  ==========================  =========  ==================================================

A document over a limit gets an ingest error (``too_large``, ``too_many_pages``, ``timeout``,
``worker_died``) naming the limit and the environment variable to raise it.  Such errors are
re-tried automatically when the limits change (the staged error records the limits it ran under).

Fault injection (tests only): ``CNBUDGET_FAULT=<point>`` kills the process with SIGKILL when it
reaches ``<point>``; ``CNBUDGET_FAULT=<point>:sleep=<seconds>`` sleeps there instead.  Points:
``after_lock`` (refresh holds the lock), ``child_extract`` (a child, before extracting),
``during_extract`` (the refresh, after the first document is staged), ``after_load`` (the new
warehouse file is loaded, checks not run), ``before_swap`` (built and closed, not yet renamed),
``after_swap`` (renamed, refresh not yet returned).  Unset, the hook does nothing.
"""
from __future__ import annotations

import os
import signal
import time
from dataclasses import asdict, dataclass


def _env_int(name: str, default: int) -> int:
    v = os.environ.get(name, "").strip()
    if not v:
        return default
    try:
        return int(float(v))
    except ValueError as e:
        raise ValueError(f"{name}={v!r} is not a number") from e


def _env_float(name: str, default: float) -> float:
    v = os.environ.get(name, "").strip()
    if not v:
        return default
    try:
        return float(v)
    except ValueError as e:
        raise ValueError(f"{name}={v!r} is not a number") from e


def machine_memory_mb() -> int | None:
    """Physical memory of the machine in MB (None when it cannot be told)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024)
    except (ValueError, OSError, AttributeError):
        return None


MEMORY_FLOOR_MB = 2560    # a child's address space after importing the readers is ~1.2 GB, a 171-page
MEMORY_CEILING_MB = 6144  # real document peaks at ~2.1 GB of address space (~0.5 GB resident); the OCR engine
# (onnxruntime) needs ~1.5 GB more in a worker that has read many documents: at 4096 MB it failed with
# bad_alloc on the two scanned pages of ../shared/real after dozens of documents in the same child


def auto_memory_mb(workers: int) -> int:
    """The default address-space limit of one child: 60 % of the machine's memory shared by the workers,
    clamped to [MEMORY_FLOOR_MB, MEMORY_CEILING_MB] (24 GB and 2 workers: 6144 MB each)."""
    total = machine_memory_mb()
    if not total:
        return MEMORY_CEILING_MB
    return int(min(MEMORY_CEILING_MB, max(MEMORY_FLOOR_MB, total * 0.6 / max(1, workers))))


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 200 * 1024 * 1024
    max_pages: int = 1000
    timeout_s: float = 300.0
    max_memory_mb: int | None = None  # None: auto_memory_mb(workers)
    workers: int = 2
    max_tasks_per_child: int = 50
    isolate: bool = True
    max_stream_mb: int = 256

    def __post_init__(self):
        if self.max_memory_mb is None:
            object.__setattr__(self, "max_memory_mb", auto_memory_mb(self.workers))

    @classmethod
    def from_env(cls, **overrides) -> "Limits":
        d = cls()
        vals = dict(
            max_bytes=_env_int("CNBUDGET_MAX_BYTES", d.max_bytes),
            max_pages=_env_int("CNBUDGET_MAX_PAGES", d.max_pages),
            timeout_s=_env_float("CNBUDGET_TIMEOUT_S", d.timeout_s),
            max_memory_mb=_env_int("CNBUDGET_MAX_MEMORY_MB", -1),
            workers=max(1, _env_int("CNBUDGET_WORKERS", d.workers)),
            max_tasks_per_child=max(1, _env_int("CNBUDGET_MAX_TASKS", d.max_tasks_per_child)),
            isolate=os.environ.get("CNBUDGET_ISOLATE", "1").strip() not in ("0", "false", "no"),
            max_stream_mb=_env_int("CNBUDGET_MAX_STREAM_MB", d.max_stream_mb),
        )
        if vals["max_memory_mb"] < 0:
            vals["max_memory_mb"] = None
        vals.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**vals)

    def as_dict(self) -> dict:
        return asdict(self)

    def fingerprint(self) -> dict:
        """The limits that decide whether a document is read (a staged limit error under other
        limits is re-tried)."""
        return {"max_bytes": self.max_bytes, "max_pages": self.max_pages, "timeout_s": self.timeout_s,
                "max_memory_mb": self.max_memory_mb, "max_stream_mb": self.max_stream_mb}


# error kinds that depend on the limits, not on the document alone
LIMIT_KINDS = ("too_large", "too_many_pages", "timeout", "worker_died", "memory_limit")


def fault(point: str, spec: str | None = None) -> None:
    """Fault-injection hook: no-op unless ``CNBUDGET_FAULT`` (or ``spec``) names ``point``."""
    spec = os.environ.get("CNBUDGET_FAULT", "") if spec is None else spec
    if not spec:
        return
    for item in spec.split(","):
        name, _, action = item.strip().partition(":")
        if name != point:
            continue
        if action.startswith("sleep="):
            time.sleep(float(action.split("=", 1)[1]))
        else:
            os.kill(os.getpid(), signal.SIGKILL)
