"""The extraction worker the CLI starts ahead (pipelines/childproc.py): the refresh's first worker is that process;
one not taken is killed, its process group with it. Each case runs in a fresh interpreter."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "data" / "raw"


def _run(code: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_worker_started_ahead_is_taken_once_and_an_untaken_one_is_killed():
    got = _run("from pipelines import childproc\n"
               "childproc.start_worker_ahead()\n"
               "p = childproc._AHEAD[0]\n"
               "childproc.start_worker_ahead()\n"  # one at most
               "print(len(childproc._AHEAD))\n"
               "w = childproc.start_worker()\n"
               "print(w is p, len(childproc._AHEAD), w.poll() is None)\n"
               "w2 = childproc.start_worker()\n"  # none left ahead: a new one
               "print(w2 is not p)\n"
               "childproc._kill(w); childproc._kill(w2)\n"
               "childproc.start_worker_ahead()\n"
               "q = childproc._AHEAD[0]\n"
               "childproc.discard_workers_ahead()\n"
               "print(q.returncode, len(childproc._AHEAD))\n")
    assert got == ["1", "True", "0", "True", "True", "-9", "0"]


def test_refresh_extracts_with_the_worker_started_ahead(tmp_path):
    """A refresh of the bundled corpus in a process that started a worker ahead: that process reads the documents (its pid
    is among the workers'), and the refresh ends with none left."""
    wh = tmp_path / "wh" / "budget.duckdb"
    got = _run("from pathlib import Path\n"
               "from pipelines import childproc, refresh as R\n"
               "childproc.start_worker_ahead()\n"
               "ahead = childproc._AHEAD[0].pid\n"
               "seen = []\n"
               "orig = R._Child.__init__\n"
               "def init(self, *a, **k):\n"
               "    orig(self, *a, **k); seen.append(self.pid)\n"
               "R._Child.__init__ = init\n"
               f"stats = R.refresh(Path({str(SEEDS)!r}), Path({str(wh)!r}))\n"
               "print(seen[0] == ahead, stats['extracted'], len(childproc._AHEAD))\n")
    assert got == ["True", "22", "0"]  # the bundled corpus: 2 seeds + 20 forged
