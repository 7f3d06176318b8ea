"""The process that runs a refresh's Great Expectations checkpoint (the parent's side, and the child's entry
:func:`child_main`; its work is :func:`pipelines.checks._gx_worker_main`).

Importing GX costs seconds of CPU (2-5 s on this machine), and in a thread of the building process it would take
the GIL from the build's DuckDB queries: both slow down. So a refresh runs GX in a child process, which imports GX
on a core of its own while the refresh discovers, extracts and builds, then validates the suites' frames as the
build streams them (each as soon as its rules have run: :class:`pipelines.checks.SuiteStream`), answers after the
last, and builds the Data Docs afterwards (the refresh waits for it at its end). One per refresh.

Two steps, so that the CLI can start the child before it even knows whether anything is new (:func:`start`):

* started: the child imports GX and nothing else; it has not touched the GX project, so a refresh that builds
  nothing kills it outright (:func:`discard`), at no cost to its wall clock;
* opened (:func:`preload`, once a build is certain, or :func:`take`, when the build's checks ask for it): it opens
  the GX project under the warehouse folder (writing the suites the first time) and waits for the frame.

This module imports nothing heavy: the CLI calls :func:`start` before it has imported pandas or polars.
"""
from __future__ import annotations

import logging
import os
import sys
import threading
from pathlib import Path
from typing import Callable

log = logging.getLogger(__name__)

_LOCK = threading.Lock()
_WORKER: "GXProcess | None" = None
_DRAINING: "list[GXProcess]" = []  # answered the build, building the Data Docs
_WHILE_WAITING: "list[tuple[Callable[[], None], bool]]" = []  # (task, run inline)
_WAITING_THREADS: "list[threading.Thread]" = []


# Importing GX imports every core expectation, and one of them (expect_column_kl_divergence_to_be_less_than), like
# two distribution metrics, imports altair and scipy.stats at module level for work cnbudget's suites never ask for
# (they use between / in-set expectations): 1.5 s of the 4-5 s GX import on this machine. The GX process loads
# these modules lazily: on first use, in full, should anything use them.
DEFERRED_IMPORTS = ("scipy.stats", "altair")


class _Deferred:
    """A meta path finder that gives the modules ``names`` a lazy loader (:class:`importlib.util.LazyLoader`): the
    module object exists at once, its code runs at the first attribute read."""

    def __init__(self, names):
        self.names = frozenset(names)

    def find_spec(self, name, path=None, target=None):
        if name not in self.names:
            return None
        import importlib.util

        sys.meta_path.remove(self)  # the real spec, from the finders after this one
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


# GX imports SQLAlchemy whenever it is installed (Dagster's storage brings it here) for its SQL datasources, which
# cnbudget's suites never use (they validate pandas frames): 0.2-0.4 s of the GX process's CPU. It is an optional
# dependency of GX, which runs without it; in the GX process it looks absent.
ABSENT_IMPORTS = ("sqlalchemy",)


class _Absent:
    """A meta path finder under which the packages ``names`` (and their submodules) are not installed."""

    def __init__(self, names):
        self.names = tuple(names)

    def find_spec(self, name, path=None, target=None):
        if name in self.names or name.startswith(tuple(n + "." for n in self.names)):
            raise ModuleNotFoundError(f"No module named {name!r} (not imported in the GX process)", name=name)
        return None


def hide_imports(names=ABSENT_IMPORTS) -> None:
    """In this process, ``names`` cannot be imported from now on (the GX process calls it before importing GX)."""
    if not any(isinstance(f, _Absent) for f in sys.meta_path):
        sys.meta_path.insert(0, _Absent([n for n in names if n not in sys.modules]))


def defer_imports(names=DEFERRED_IMPORTS) -> None:
    """Load ``names`` lazily in this process from now on (the GX process calls it before importing GX; it runs
    nothing in threads then, which :class:`importlib.util.LazyLoader` wants on Python 3.11)."""
    if not any(isinstance(f, _Deferred) for f in sys.meta_path):
        sys.meta_path.insert(0, _Deferred([n for n in names if n not in sys.modules]))


def child_main() -> None:
    """The GX process (``python -c "from pipelines.gxproc import child_main; child_main()" PARENT_PID``): its pipes,
    then GX's import at once — before cnbudget's check module and what that imports (duckdb, the registry; pandas
    comes with GX): GX's import is the longest path of a small refresh, begun 0.6 s sooner so — then the checks'
    work (:func:`pipelines.checks._gx_worker_main`), which ends the process."""
    import traceback

    from .childproc import child_pipes

    conn_in, conn_out = child_pipes()
    hide_imports()
    defer_imports()
    try:
        import great_expectations  # noqa: F401 - the seconds this process is for; writes nothing
    except Exception:  # noqa: BLE001 - the request runs it again and reports the failure
        pass
    try:
        from .checks import _gx_worker_main
    except BaseException:  # noqa: BLE001 - the build sees the pipe close and runs GX itself
        traceback.print_exc(limit=5)
        sys.stderr.flush()
        os._exit(1)
    _gx_worker_main(conn_in, conn_out)


class GXProcess:
    def __init__(self):
        import multiprocessing.connection as mpc
        import subprocess

        self.proc = subprocess.Popen([sys.executable, "-c", "from pipelines.gxproc import child_main; child_main()",
                                      str(os.getpid())],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True)
        self.tx = mpc.Connection(os.dup(self.proc.stdin.fileno()), readable=False)
        self.rx = mpc.Connection(os.dup(self.proc.stdout.fileno()), writable=False)
        self.proc.stdin.close()
        self.proc.stdout.close()
        self.opened = False
        self.sender: threading.Thread | None = None  # sends the build's suites in order (send)
        self.outbox = None
        self.send_error: Exception | None = None

    def open(self, gx_root: Path) -> None:
        """From now on the child may write the GX project under ``gx_root``: stopped gracefully, never killed
        (unless it does not end)."""
        self.tx.send(str(gx_root))
        self.opened = True

    def send(self, frames, rules, gx_root: Path) -> bool:
        """Hand the child some suites' frames to validate (:class:`pipelines.checks.SuiteStream`); False when it
        cannot take them (it is gone). Sent from a thread, in order: the build computes the next suite meanwhile,
        even while the child is still importing GX (a pipe takes 64 KiB before it blocks)."""
        if self.sender is None:
            import queue

            self.outbox = queue.SimpleQueue()
            self.sender = threading.Thread(target=self._send_loop, name="cnbudget-gx-send", daemon=True)
            self.sender.start()
        if self.send_error is not None:
            return False
        self.outbox.put((frames, rules, str(gx_root), False))
        return True

    def _send_loop(self):
        while True:
            msg = self.outbox.get()
            if msg is None:
                return
            try:
                self.tx.send(msg)
            except (OSError, ValueError) as e:
                self.send_error = e
                return

    def answer(self, rules, gx_root: Path):
        """The child's (failed, per_rule, docs) once every suite was sent; None when it could not give them (the
        caller runs GX itself and so reports whatever failed). While it works on the last suites, the registered
        :func:`while_waiting` tasks run (in a thread of this process, or here)."""
        if self.sender is None:
            self.send({}, rules, gx_root)
        _run_while_waiting()
        self.outbox.put(({}, rules, str(gx_root), True))
        self.outbox.put(None)
        self.sender.join()
        if self.send_error is not None:
            log.warning("GX process failed (%s); running the checks here", self.send_error)
            return None
        try:
            status, value = self.rx.recv()
        except (EOFError, OSError, ValueError) as e:
            log.warning("GX process failed (%s); running the checks here", e)
            return None
        if status != "ok":
            log.warning("GX process failed (%s); running the checks here", value)
            return None
        return value

    def _close(self):
        if self.sender is not None:  # its sender thread ends (stopped without an answer: a send failed)
            self.outbox.put(None)
        for c in (self.tx, self.rx):
            try:
                c.close()
            except OSError:
                pass

    def stop(self, timeout: float = 5):
        """End it: it ends at the end of its input (after the Data Docs it is building); killed after ``timeout``
        seconds."""
        self._close()
        try:
            self.proc.wait(timeout=timeout)
        except Exception:  # noqa: BLE001
            self.kill()

    def kill(self):
        self._close()
        try:
            self.proc.kill()
        except OSError:
            pass
        self.proc.wait()


def start() -> None:
    """Start the GX process now, importing GX only (see the module doc); nothing when GX is already imported here
    (a long-lived process keeps its context) or a process is already there."""
    global _WORKER
    with _LOCK:
        if _WORKER is None and "great_expectations" not in sys.modules:
            try:
                _WORKER = GXProcess()
            except OSError as e:
                log.warning("cannot start the GX process (%s); the build runs GX itself", e)


def preload(gx_root: Path) -> None:
    """A build follows: the GX process (started now unless :func:`start` did) opens the GX project ``gx_root``."""
    global _WORKER
    start()
    with _LOCK:
        if _WORKER is not None and not _opened(_WORKER, gx_root):
            _WORKER = None


def take(gx_root: Path) -> "GXProcess | None":
    """The GX process, for the build's checks (it is then the caller's: :func:`draining` or stop it). One that was
    started but not opened (a refresh that extracted nothing, yet re-checks documents: it removed some) opens
    ``gx_root`` now: it has been importing GX since the refresh started."""
    global _WORKER
    with _LOCK:
        w, _WORKER = _WORKER, None
    return w if w is not None and _opened(w, gx_root) else None


def _opened(w: GXProcess, gx_root: Path) -> bool:
    """``w`` opened on ``gx_root`` (already, or now); False, and ``w`` killed, when it is gone."""
    if w.opened:
        return True
    try:
        w.open(Path(gx_root))
        return True
    except (OSError, ValueError) as e:
        log.warning("the GX process is gone (%s); the build runs GX itself", e)
        w.kill()
        return False


def draining(w: GXProcess) -> None:
    """``w`` answered the build and builds the Data Docs: :func:`discard` waits for it."""
    with _LOCK:
        _DRAINING.append(w)


def _discard_locked():
    global _WORKER
    w, _WORKER = _WORKER, None
    if w is not None:
        if w.opened:
            w.stop()
        else:  # it only imported GX: nothing of it to keep
            w.kill()


def discard(docs_timeout: float = 600) -> None:
    """At the end of a refresh: end the GX process it started and did not use (it built nothing, or failed before
    its checks), and wait (up to ``docs_timeout`` seconds, then kill) for the one building the Data Docs. The
    :func:`while_waiting` tasks not run are dropped, those under way are waited for."""
    with _LOCK:
        _discard_locked()
        waiting = list(_DRAINING)
        _DRAINING.clear()
        _WHILE_WAITING.clear()
        threads = list(_WAITING_THREADS)
        _WAITING_THREADS.clear()
    for w in waiting:
        w.stop(timeout=docs_timeout)
    for t in threads:  # a task still running (the refresh failed while it waited for GX) ends before the process
        t.join(timeout=60)


def while_waiting(task: Callable[[], None], inline: bool = False) -> None:
    """Run ``task`` (once) when this process next waits for the GX process's answer: in a thread, or ``inline``
    (a task that only starts something, such as a process that must be the child of this thread: a child started
    from a thread is killed when that thread ends, :func:`pipelines.childproc.die_with_parent`). The CLI starts
    its chart process and warms its dashboard there."""
    with _LOCK:
        _WHILE_WAITING.append((task, inline))


def _run_while_waiting():
    with _LOCK:
        tasks = list(_WHILE_WAITING)
        _WHILE_WAITING.clear()

    def run(todo):
        for t in todo:
            try:
                t()
            except Exception:  # noqa: BLE001 - a head start only: the task's own caller does the work anyway
                log.debug("task while waiting for GX failed", exc_info=True)

    run([t for t, inline in tasks if inline])
    threaded = [t for t, inline in tasks if not inline]
    if threaded:
        t = threading.Thread(target=run, args=(threaded,), name="cnbudget-while-gx", daemon=True)
        t.start()
        with _LOCK:
            _WAITING_THREADS.append(t)
