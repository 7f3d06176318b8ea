"""The reader-neutral document model.

Every reader (text export, markdown-like export, PDF via camelot) turns a file
into a list of :class:`Block` in reading order: free text lines and table rows,
each with provenance.  One segmenter and one normaliser work on blocks, so
every input format yields the same facts for the same tables.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Src:
    """Where a cell or line came from.

    ``page`` is the 1-based PDF page (None for text exports); ``line`` the
    1-based line in a text export (None for PDFs); ``table``/``row``/``col``
    the camelot table index on the page and the cell position in it.
    """

    page: int | None = None
    line: int | None = None
    table: int | None = None
    row: int | None = None
    col: int | None = None

    def ref(self) -> str:
        parts = []
        if self.page is not None:
            parts.append(f"p{self.page}")
        if self.table is not None:
            parts.append(f"t{self.table}")
        if self.row is not None:
            parts.append(f"r{self.row}")
        if self.col is not None:
            parts.append(f"c{self.col}")
        if self.line is not None:
            parts.append(f"L{self.line}")
        return ".".join(parts)


@dataclass
class Block:
    """A text line (``kind='text'``, one cell) or a table row (``kind='row'``)."""

    kind: str
    cells: list[str]
    srcs: list[Src] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(c for c in self.cells if c)

    @property
    def src(self) -> Src:
        return self.srcs[0] if self.srcs else Src()

    def is_blank(self) -> bool:
        return all(not c for c in self.cells)
