"""The child processes of a refresh (its extraction workers, its Great Expectations process): how one starts. Light:
imports nothing a child has not yet asked for."""
from __future__ import annotations

import multiprocessing.connection as mpc
import os
import signal
import sys


def child_pipes():
    """In a child started as ``python -c … PARENT_PID`` with pipes on stdin and stdout (an extraction worker, the GX
    process): die with the parent, and the two pipes as connections (in, out); stdin then reads nothing and stdout
    goes to stderr, so that a stray print of a library cannot corrupt the protocol."""
    die_with_parent(int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else None)
    conn_in = mpc.Connection(os.dup(0), writable=False)
    conn_out = mpc.Connection(os.dup(1), readable=False)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    return conn_in, conn_out


def die_with_parent(parent: int | None):
    """Linux: this process gets SIGKILL when the refresh that started it ends, however it ends (SIGKILL
    included) — an extraction worker or the GX process never outlives its refresh."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if parent is not None and os.getppid() != parent:  # the parent was gone before the signal was armed
        os._exit(1)


def start_worker():
    """An extraction worker process (Popen, pipes on stdin and stdout): ``python -c … PARENT_PID`` running
    :func:`pipelines.refresh._child_main`, in a process group of its own: whatever it starts is killed with it
    (killpg); :func:`die_with_parent` covers the refresh being killed outright."""
    import subprocess

    return subprocess.Popen([sys.executable, "-c", "from pipelines.refresh import _child_main; _child_main()",
                             str(os.getpid())], stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True,
                            process_group=0)


_SPARE = None  # an extraction worker started ahead of need (start_spare), not yet taken


def start_spare() -> None:
    """Start one extraction worker now, as soon as the refresh knows it has something to extract (after discovery):
    it imports its readers (0.8 s of CPU) while the refresh checks its staged documents (pipelines.refresh.extract_all
    verifies each, and starts a worker only at the first document to extract: the last of a thousand, maybe).
    The refresh's first worker is this one (:func:`take_spare`); the refresh kills it at its end if nobody took it
    (:func:`discard_spare`). (Started earlier, before discovery, it cost a refresh with nothing new a quarter of a
    second: a third process on two cores beside the refresh's own and GX's.)"""
    global _SPARE
    if _SPARE is None:
        try:
            _SPARE = start_worker()
        except OSError:
            _SPARE = None


def take_spare():
    """The worker :func:`start_spare` started (a Popen), None if there is none or it has died."""
    global _SPARE
    proc, _SPARE = _SPARE, None
    if proc is not None and proc.poll() is not None:
        _close(proc)
        return None
    return proc


def discard_spare() -> None:
    """Kill the spare worker if nobody took it (its process group, as :meth:`pipelines.refresh._Child.kill`)."""
    proc = take_spare()
    if proc is None:
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()
    _close(proc)


def _close(proc) -> None:
    for f in (proc.stdin, proc.stdout):
        try:
            f.close()
        except OSError:
            pass
