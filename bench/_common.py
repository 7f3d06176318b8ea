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
    return json.loads(out.stdout.strip().splitlines()[-1])


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
