"""Readers for the two text export formats of the seed documents.

* ``cells`` format (Pingxiang 001): one cell per line, each cell line starts
  with a TAB, rows are separated by an empty line; lines without a leading
  TAB are free text (titles, notes, narrative).
* ``tabs`` format (Hezheng 000): a PDF-to-markdown export, one row per line
  with TAB-separated cells; ``#`` headings, ``<p>`` fragments, free text.
"""
from __future__ import annotations

from pathlib import Path

from ..blocks import Block, Src
from ..text import clean


class NotTextError(ValueError):
    """The file is not UTF-8 text (or is binary): the caller records it."""


def read_text(path: Path) -> str:
    raw = Path(path).read_bytes()
    if b"\x00" in raw[:4096]:
        raise NotTextError("binary content (NUL bytes) where a text export was expected")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise NotTextError(f"not UTF-8 text (byte {e.start}: {raw[e.start:e.start+4]!r})") from e


def sniff_format(text: str) -> str:
    """'cells' when most non-empty lines are single TAB-prefixed cells,
    'tabs' when lines carry several TAB-separated cells."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return "empty"
    single = sum(1 for ln in lines if ln.startswith("\t") and "\t" not in ln[1:])
    multi = sum(1 for ln in lines if "\t" in ln.strip("\t") or ln.count("\t") >= 2)
    return "cells" if single >= multi else "tabs"


def blocks_from_cells(text: str) -> list[Block]:
    blocks: list[Block] = []
    row: list[str] = []
    srcs: list[Src] = []

    def flush():
        nonlocal row, srcs
        if row:
            blocks.append(Block("row", row, srcs))
        row, srcs = [], []

    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("\t"):
            row.append(clean(line[1:]))
            srcs.append(Src(line=n, col=len(srcs)))
            continue
        flush()
        if line.strip():
            blocks.append(Block("text", [clean(line)], [Src(line=n)]))
    flush()
    return blocks


def blocks_from_tabs(text: str) -> list[Block]:
    blocks: list[Block] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if "\t" in line:
            cells = [clean(c) for c in line.split("\t")]
            blocks.append(Block("row", cells, [Src(line=n, col=i) for i in range(len(cells))]))
        else:
            t = clean(line.lstrip("#"))
            if t:
                blocks.append(Block("text", [t], [Src(line=n)]))
    return blocks


def read_blocks(path: Path) -> list[Block]:
    text = read_text(path)
    fmt = sniff_format(text)
    if fmt == "empty":
        raise NotTextError("empty file: no text lines")
    return blocks_from_cells(text) if fmt == "cells" else blocks_from_tabs(text)
