"""The child processes of a refresh (its extraction workers, its Great Expectations process): how one starts. Light:
imports nothing a child has not yet asked for."""
from __future__ import annotations

import multiprocessing.connection as mpc
import os
import signal
import struct
import sys
import threading
from collections import deque


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
    """An extraction worker: forked by this process's fork server when one runs (:func:`start_forkserver`), else a
    process of its own (:func:`spawn_worker`). Either is Popen-like (pid, poll, wait, returncode, stdin, stdout)
    and leads a process group of its own."""
    fs = _FORKSERVER
    if fs is not None and fs.alive():
        w = fs.fork()
        if w is not None:
            return w
    return spawn_worker()


def spawn_worker():
    """An extraction worker process (Popen, pipes on stdin and stdout): ``python -c … PARENT_PID`` running
    :func:`pipelines.refresh._child_main`, in a process group of its own: whatever it starts is killed with it
    (killpg); :func:`die_with_parent` covers the refresh being killed outright."""
    import subprocess

    return subprocess.Popen([sys.executable, "-c", "from pipelines.refresh import _child_main; _child_main()",
                             str(os.getpid())], stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True,
                            process_group=0)


# ---------------------------------------------------------------- the fork server
# Each extraction worker imports its readers (camelot, pandas, pdfium, polars: 0.8-1 s of CPU) before its first
# document. A refresh with documents to extract starts one process that imports them once (the fork server) and
# forks every worker from it: a worker is ready in milliseconds, at no CPU (its pages shared with the server until
# written). The server is a child of the refresh (it dies with it: die_with_parent) and its workers are its children
# (they die with it); it reaps them and reports each exit status, so that the refresh tells a worker killed at its
# memory limit from one that crashed, as with a worker it started itself. It ends when the refresh closes its socket.

_FORKSERVER: "Forkserver | None" = None
# pandas imports pyarrow whenever it is installed (Dagster's and the export's dependency here); no reader uses it
# (polars writes the staged Parquet itself): 0.1 s of the server's import, before its first worker can start
WORKER_ABSENT = ("pyarrow",)
_MSG = struct.Struct("=cii")  # (b"P", pid, 0): the worker just forked; (b"X", pid, wait status): a worker ended


class Forkserver:
    """The refresh's side: a SOCK_SEQPACKET socket to the server (fork requests carrying the worker's two pipe ends;
    the server's answers), and what it has reported."""

    def __init__(self):
        import socket
        import subprocess

        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", "from pipelines.childproc import forkserver_main; forkserver_main()",
                 str(os.getpid()), str(theirs.fileno())], pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
                close_fds=True, process_group=0)
        except BaseException:
            mine.close()
            raise
        finally:
            theirs.close()
        self.sock = mine
        self.lock = threading.RLock()
        self.unanswered: "deque[ForkedWorker]" = deque()  # fork requests not yet answered, in order
        self.exits: dict[int, int] = {}  # pid -> wait status
        self.ended = False  # the server's socket closed: it is gone

    def alive(self) -> bool:
        return not self.ended and self.proc.poll() is None

    def fork(self) -> "ForkedWorker | None":
        """Ask for a worker; its pid comes with the server's answer (:meth:`ForkedWorker.resolve`). None when the
        request cannot be sent (the server is gone)."""
        import socket

        to_child, from_parent = os.pipe()[::-1]  # (write end: ours; read end: the worker's stdin)
        from_child, to_parent = os.pipe()  # (read end: ours; write end: the worker's stdout)
        try:
            with self.lock:
                socket.send_fds(self.sock, [b"F"], [from_parent, to_parent])
                w = ForkedWorker(self, os.fdopen(to_child, "wb", 0), os.fdopen(from_child, "rb", 0))
                self.unanswered.append(w)
        except OSError:
            for fd in (to_child, from_child):
                os.close(fd)
            self.ended = True
            return None
        finally:
            os.close(from_parent)
            os.close(to_parent)
        return w

    def drain(self, timeout: float | None = 0) -> None:
        """Read what the server has reported, waiting up to ``timeout`` seconds (None: until something comes) for
        the first message."""
        import select

        with self.lock:
            while not self.ended:
                r, _, _ = select.select([self.sock], [], [], timeout)
                if not r:
                    return
                try:
                    msg = self.sock.recv(_MSG.size)
                except OSError:
                    msg = b""
                if len(msg) != _MSG.size:  # EOF: the server is gone, and every worker it forked with it
                    self._gone()
                    return
                kind, pid, status = _MSG.unpack(msg)
                if kind == b"P" and self.unanswered:
                    self.unanswered.popleft()._pid = pid
                elif kind == b"X":
                    self.exits[pid] = status
                timeout = 0

    def _gone(self) -> None:
        self.ended = True
        while self.unanswered:  # never forked
            self.unanswered.popleft().never = True

    def stop(self, timeout: float = 5) -> None:
        """End the server (it exits when its socket closes; killed if it does not)."""
        import subprocess

        with self.lock:
            self.ended = True
            self.sock.close()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            killpg(self.proc.pid)
            self.proc.wait()


class ForkedWorker:
    """A worker forked by the server, for the refresh: what :class:`subprocess.Popen` offers that the refresh uses.
    ``pid`` is None until the server answered (:meth:`resolve` waits for it)."""

    def __init__(self, server: Forkserver, stdin, stdout):
        self.server, self.stdin, self.stdout = server, stdin, stdout
        self._pid: int | None = None
        self.never = False  # the server ended before forking it
        self.returncode: int | None = None

    @property
    def pid(self) -> int | None:
        if self._pid is None:
            self.server.drain(0)
        return self._pid

    def resolve(self, timeout: float | None = None) -> int | None:
        """The pid, waiting up to ``timeout`` seconds for the server's answer (it answers once it has imported the
        readers)."""
        import time

        end = None if timeout is None else time.monotonic() + timeout
        while self._pid is None and not self.never and not self.server.ended:
            left = None if end is None else end - time.monotonic()
            if left is not None and left <= 0:
                break
            self.server.drain(left if left is not None else 1.0)
        return self._pid

    def poll(self) -> int | None:
        if self.returncode is None:
            self.server.drain(0)
            self._settle()
        return self.returncode

    def _settle(self) -> None:
        pid = self._pid
        if pid is not None and pid in self.server.exits:
            self.returncode = os.waitstatus_to_exitcode(self.server.exits.pop(pid))
        elif self.never or (self.server.ended and pid is None):
            self.returncode = -signal.SIGKILL
        elif self.server.ended:  # its server is gone: so is it (die_with_parent); nobody reports how it ended
            killpg(pid)
            self.returncode = -signal.SIGKILL

    def wait(self, timeout: float | None = None) -> int:
        import subprocess
        import time

        end = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            left = None if end is None else end - time.monotonic()
            if left is not None and left <= 0:
                raise subprocess.TimeoutExpired("forked worker", timeout)
            self.server.drain(1.0 if left is None else min(left, 1.0))
            self._settle()
        return self.returncode

    def kill_group(self) -> None:
        """SIGKILL to its process group; a worker whose pid is still unknown after 5 s (a server that hangs) is
        killed with the server."""
        if self.resolve(5) is None:
            self.server.stop(0)
            self.returncode = -signal.SIGKILL if self.returncode is None else self.returncode
            return
        killpg(self._pid)


def killpg(pid: int | None) -> None:
    """SIGKILL to the process group ``pid`` leads; nothing for an unknown pid or a group already gone."""
    if pid is None or pid <= 0:
        return
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def start_forkserver() -> None:
    """Start this process's fork server (once): from now on :func:`start_worker` forks workers from it. The
    refresh calls it as soon as discovery finds something to extract, so that the readers load while it checks its
    staged documents; :func:`pipelines.refresh.extract_all` otherwise, at its first document to extract."""
    global _FORKSERVER
    if _FORKSERVER is None:
        try:
            _FORKSERVER = Forkserver()
        except OSError:
            _FORKSERVER = None


def forkserver_running() -> bool:
    return _FORKSERVER is not None


def stop_forkserver() -> None:
    """End the fork server (its workers stopped first by their owner; any left die with it)."""
    global _FORKSERVER
    fs, _FORKSERVER = _FORKSERVER, None
    if fs is not None:
        fs.stop()


def forkserver_main() -> None:
    """The fork server (``python -c … PARENT_PID SOCKET_FD``): imports the readers, then for each request on its
    socket forks a worker (its own process group, dying with the server; stdin and stdout the two pipe ends the
    request carries) that runs :func:`pipelines.refresh._child_main`; reaps its workers and reports their exits.
    Ends when the socket closes."""
    import select
    import socket

    parent, fd = int(sys.argv[1]), int(sys.argv[2])
    die_with_parent(parent)
    os.dup2(2, 1)  # (a stray print of a library cannot reach the refresh's stdout)
    sock = socket.socket(fileno=fd)
    from .gxproc import hide_imports

    hide_imports(WORKER_ABSENT)
    from .refresh import _warm_up

    _warm_up()
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    me = os.getpid()
    try:
        while True:
            r, _, _ = select.select([sock, wake_r], [], [])
            if wake_r in r:
                try:
                    while os.read(wake_r, 512):
                        pass
                except BlockingIOError:
                    pass
            while True:  # the workers that ended
                try:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    break
                sock.send(_MSG.pack(b"X", pid, status))
            if sock not in r:
                continue
            msg, fds, _, _ = socket.recv_fds(sock, 16, 2)
            if not msg:
                break  # the refresh closed its socket
            if len(fds) != 2:
                for f in fds:
                    os.close(f)
                continue
            pid = os.fork()
            if pid == 0:
                _forked_worker(me, fds, [sock.fileno(), wake_r, wake_w])
            for f in fds:
                os.close(f)
            sock.send(_MSG.pack(b"P", pid, 0))
    except OSError:
        pass
    finally:
        sys.stderr.flush()
        os._exit(0)


def _forked_worker(server: int, fds: list[int], close: list[int]) -> None:
    """In a process just forked by the server: become a worker (never returns)."""
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    code = 1
    try:
        os.setpgid(0, 0)
        os.dup2(fds[0], 0)
        os.dup2(fds[1], 1)
        for f in fds + close:
            os.close(f)
        sys.argv[1:] = [str(server)]  # (child_pipes: die with the server, its parent)
        from .refresh import _child_main

        _child_main()  # (ends the process)
    finally:
        os._exit(code)
