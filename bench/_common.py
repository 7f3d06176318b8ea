"""Helpers shared by the bench scripts: timing, running one stage in a fresh process, peak memory."""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(fn):
    """(fn(), seconds)"""
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def child(module: str, stage: str, args: dict) -> dict:
    """Run ``module._stage(stage, args)`` in a fresh process and return its JSON answer (seconds, peak RSS…):
    each stage starts from an empty interpreter, so its peak memory is its own."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(args, fh)
    code = f"import json,sys; sys.path.insert(0, {str(ROOT)!r}); from {module} import _stage; " \
           f"print(json.dumps(_stage({stage!r}, json.load(open(sys.argv[1])))))"
    out = subprocess.run([sys.executable, "-c", code, fh.name], capture_output=True, text=True)
    os.unlink(fh.name)
    if out.returncode != 0:
        raise SystemExit(f"stage {stage} failed:\n{out.stderr[-3000:]}")
    # the answer is the JSON object the stage prints last (a library's progress bar may share its line)
    return json.loads(out.stdout[out.stdout.rindex('{"seconds"'):].strip())


def peak_mb() -> float:
    """This process's own high-water mark (VmHWM; ru_maxrss would carry the parent's over exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def children_peak_mb() -> float:
    """The largest high-water mark among this process's finished (waited-for) children.  A child's
    ru_maxrss starts from this process's RSS when it was spawned (kept over exec): spawn them early."""
    return round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)


def _proc_status(pid: int) -> dict[str, int]:
    """VmHWM (kB) and CPU ticks (utime + stime) of a live process; {} when it is gone."""
    out = {}
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmHWM:"):
                    out["hwm_kb"] = int(line.split()[1])
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
        out["ticks"] = int(fields[11]) + int(fields[12])
    except (OSError, ValueError, IndexError):
        return {}
    return out


def _children_of(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(x) for x in fh.read().split()]
    except OSError:
        kids = []
        for p in Path("/proc").iterdir():
            if p.name.isdigit():
                try:
                    if int((p / "stat").read_bytes().rsplit(b")", 1)[1].split()[1]) == pid:
                        kids.append(int(p.name))
                except (OSError, ValueError, IndexError):
                    pass
        return kids


def is_extraction(pid: int) -> bool:
    """An extraction process of the refresh: the fork server, a worker it forked (both show the server's command
    line) or a worker started on its own."""
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"forkserver_main" in cmd or b"_child_main" in cmd


def run_sampled(cmd: list[str], interval: float = 0.1, env: dict | None = None) -> dict:
    """Run ``cmd`` and sample every process under it every ``interval`` s: wall seconds, the command's own peak RSS
    (VmHWM), the largest peak RSS of an extraction process (the fork server and the workers it forks, or workers of
    their own), how many it started and their CPU seconds, the same for the other children (the GX process, the chart
    process) (last sample of each: a process's final ``interval`` is missed), CPU of the whole tree (wait4), its
    stdout and stderr.  Peaks are high-water marks, so a sample misses only growth in a process's last
    ``interval``."""
    tick = os.sysconf("SC_CLK_TCK")
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    import threading

    outs: dict[str, bytes] = {}
    readers = [threading.Thread(target=lambda k, s: outs.__setitem__(k, s.read()), args=(k, s), daemon=True)
               for k, s in (("stdout", proc.stdout), ("stderr", proc.stderr))]
    for r in readers:
        r.start()
    parent_kb = 0
    kids: dict[int, dict[str, int]] = {}
    while True:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)  # rusage of the command and its waited-for children
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            break
        st = _proc_status(proc.pid)
        parent_kb = max(parent_kb, st.get("hwm_kb", 0))
        todo = _children_of(proc.pid)
        while todo:
            k = todo.pop()
            todo += _children_of(k)
            s = _proc_status(k)
            if s:
                prev = kids.get(k, {})
                kids[k] = {"hwm_kb": max(prev.get("hwm_kb", 0), s.get("hwm_kb", 0)), "ticks": s.get("ticks", 0),
                           "extraction": prev["extraction"] if prev else is_extraction(k)}
        time.sleep(interval)
    seconds = time.perf_counter() - t0
    for r in readers:
        r.join()
    return {"seconds": round(seconds, 3), "returncode": proc.returncode,
            "parent_peak_mb": round(parent_kb / 1024, 1),
            "worker_peak_mb": round(max((v["hwm_kb"] for v in kids.values() if v["extraction"]), default=0) / 1024, 1),
            "workers_started": sum(v["extraction"] for v in kids.values()),
            "worker_cpu_s": round(sum(v["ticks"] for v in kids.values() if v["extraction"]) / tick, 2),
            "other_peak_mb": round(max((v["hwm_kb"] for v in kids.values() if not v["extraction"]), default=0) / 1024, 1),
            "other_cpu_s": round(sum(v["ticks"] for v in kids.values() if not v["extraction"]) / tick, 2),
            "tree_cpu_s": round(ru.ru_utime + ru.ru_stime, 2),
            "stdout": outs.get("stdout", b"").decode("utf-8", "replace"),
            "stderr": outs.get("stderr", b"").decode("utf-8", "replace")}
