"""A guess, before a refresh has imported or hashed anything, whether it will have documents to extract: then the
CLI starts the extraction fork server at once (it imports the readers, 0.5-0.8 s of CPU, while the refresh imports
its own modules and hashes the raw folder) instead of after discovery. Light: the standard library only.

The guess is a hint for a head start, never a decision: discovery still hashes every file and decides; a wrong
"yes" costs a fork server that is stopped as soon as discovery finds nothing to extract, a wrong "no" the head
start. It is "yes" when the raw folder has a file (or link) whose status changed (created, copied in, renamed,
written, its permissions changed: ``st_ctime``, which no copy tool can set back) since the discovery of the last
refresh that completed, or when no refresh has completed into this staging folder."""
from __future__ import annotations

import os
from pathlib import Path


def mark_path(staging: Path) -> str:
    """Beside the staging folder (whose entries are staged documents): a file whose mtime is when the last completed
    refresh began hashing the raw folder."""
    staging = os.fspath(staging).rstrip(os.sep)
    return os.path.join(os.path.dirname(staging), f".{os.path.basename(staging)}-scanned")


def likely_new(raw_dir: Path, staging: Path, most: int = 200_000) -> bool:
    """True when a refresh of ``raw_dir`` will probably extract something (see the module doc); stops at the first
    changed entry, and answers True past ``most`` entries (a folder that large: hashing it dwarfs a head start)."""
    if not os.path.isdir(raw_dir):
        return False  # (the refresh reports it)
    try:
        since = os.stat(mark_path(staging)).st_mtime_ns
    except OSError:
        return True
    seen = 0
    stack = [os.fspath(raw_dir)]
    try:
        while stack:
            with os.scandir(stack.pop()) as it:
                for e in it:
                    if e.name.startswith("."):  # a hidden file is not read; a hidden folder's files are (extract.scan)
                        if e.is_dir(follow_symlinks=False):
                            stack.append(e.path)
                        continue
                    seen += 1
                    if seen > most or e.stat(follow_symlinks=False).st_ctime_ns >= since:
                        return True
                    if e.is_dir(follow_symlinks=False):
                        stack.append(e.path)
    except OSError:
        return True
    return False


def scan_started() -> int:
    """The time to record with :func:`mark_scanned` once the refresh has completed: taken before discovery, so a file
    changed while the raw folder was hashed counts as changed next time (and one changed in the 50 ms before: the
    file system stamps ``st_ctime`` from a coarser clock, a tick of at most 10 ms behind)."""
    import time

    return time.time_ns() - 50_000_000


def mark_scanned(staging: Path, at_ns: int) -> None:
    """The refresh that began hashing the raw folder at ``at_ns`` has completed (best effort: a hint)."""
    p = mark_path(staging)
    try:
        with open(p, "ab"):
            pass
        os.utime(p, ns=(at_ns, at_ns))
    except OSError:
        pass
