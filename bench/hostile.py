"""What the worst hostile inputs cost (issue 18): per bomb, the outcome, the wall time and the peak memory of
the extraction child (VmHWM = peak resident, VmPeak = peak address space, sampled every 0.1 s by the
parent); and whether any extraction process survives a refresh killed with SIGTERM or SIGKILL.

    .venv/bin/python bench/hostile.py            # prints a table; nothing is written to the repository
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def _status(pid: int) -> dict[str, int]:
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            k, _, v = line.partition(":")
            if k in ("VmHWM", "VmPeak"):
                out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


def bombs():
    import badinputs as B
    import pipelines.refresh as R
    from pipelines.extract import scan
    from pipelines.limits import Limits

    peaks: dict[str, int] = {}
    orig = R._Child.sample

    def sample(self):
        orig(self)
        for k, v in _status(self.pid).items():
            peaks[k] = max(peaks.get(k, 0), v)

    R._Child.sample = sample
    cases = [("stream bomb 400 MB of path operators (0.8 MB file), default limits", lambda d: B.stream_bomb_pdf(d, 400),
              Limits()),
             ("inflation bomb 300 MB (0.3 MB file), default limits", lambda d: B.inflation_bomb_pdf(d, 300), Limits()),
             ("stream bomb 400 MB, stream bound raised to 1 GB, memory 2048 MB",
              lambda d: B.stream_bomb_pdf(d, 400), Limits(max_stream_mb=1024, max_memory_mb=2048)),
             ("stream bomb 400 MB, stream bound raised to 1 GB, memory auto",
              lambda d: B.stream_bomb_pdf(d, 400), Limits(max_stream_mb=1024))]
    for name, build, limits in cases:
        with tempfile.TemporaryDirectory() as tmp:
            raw = Path(tmp) / "raw"
            raw.mkdir()
            build(raw)
            peaks.clear()
            t = time.perf_counter()
            docs, _ = scan(raw, limits, Path(tmp) / "snap", lambda s: True)
            [r] = R.extract_all(docs, Path(tmp) / "staging", {}, limits=limits, snapshots=Path(tmp) / "snap")
            dt = time.perf_counter() - t
            print(f"| {name} | {r.get('error_kind') or r['status']} | {dt:.1f} s | "
                  f"{peaks.get('VmHWM', 0) // 1024} MB | {peaks.get('VmPeak', 0) // 1024} MB "
                  f"(limit {limits.max_memory_mb} MB) |", flush=True)


def orphans():
    import badinputs as B

    run = "import sys; from pipelines.refresh import refresh; refresh(sys.argv[1], sys.argv[2])"
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with tempfile.TemporaryDirectory() as tmp:
            raw = Path(tmp) / "raw"
            raw.mkdir()
            (raw / "pingxiang.txt").write_bytes(B.seed("001").read_bytes())
            env = {k: v for k, v in os.environ.items() if not k.startswith("CNBUDGET_")}
            env["CNBUDGET_FAULT"] = "child_extract:sleep=120"
            p = subprocess.Popen([sys.executable, "-c", run, str(raw), str(Path(tmp) / "wh" / "budget.duckdb")],
                                 env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
            kids: list[int] = []
            while not kids and p.poll() is None:
                time.sleep(0.2)
                kids = [int(d.name) for d in Path("/proc").iterdir() if d.name.isdigit()
                        and _ppid(int(d.name)) == p.pid]
            time.sleep(1)
            t = time.perf_counter()
            p.send_signal(sig)
            p.wait()
            while any(_alive(k) for k in kids) and time.perf_counter() - t < 10:
                time.sleep(0.05)
            alive = [k for k in kids if _alive(k)]
            print(f"| refresh killed with {sig.name} during extraction | children {kids} | "
                  f"surviving after {time.perf_counter() - t:.2f} s: {alive or 'none'} |", flush=True)
            for k in alive:
                os.kill(k, signal.SIGKILL)


def _ppid(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


if __name__ == "__main__":
    bombs()
    orphans()
