"""The PDF reader on the real published Jiangsu PDFs (read in place from
../shared/real/jiangsu, never copied).  Expected values were read by hand
from the rendered pages."""
from __future__ import annotations

import warnings
from functools import lru_cache
from pathlib import Path

import pytest

from pipelines.readers.pdf import PdfReadResult, read_pdf

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real" / "jiangsu"

# pages, tables found by read_pdf, tables found by plain
# camelot.read_pdf(path, pages="all") (measured with bench/extract.py)
EXPECTED = {
    "江苏省人大办公厅/江苏省人大办公厅2017年度预算公开.pdf": (31, 22, 22),
    "江苏省人大办公厅/江苏省人大常委会2019年度部门预算公开.pdf": (19, 0, 0),
    "江苏省人大办公厅/江苏省人大常委会办公厅2019年部门预算公开表.pdf": (13, 13, 13),
    "江苏省人大办公厅/省人大办公厅2018预算公开.pdf": (31, 13, 13),
    "江苏省委办公厅/江苏省委办公厅2017年部门预算.pdf": (13, 0, 0),
    "江苏省委办公厅/江苏省委办公厅2017年预算公开表格.pdf": (14, 14, 14),
    "江苏省委办公厅/江苏省委办公厅2018年度部门预算公开文件.pdf": (13, 0, 0),
    "江苏省委办公厅/江苏省委办公厅2018年度部门预算公开表.pdf": (15, 13, 13),
    "江苏省委办公厅/江苏省委办公厅2019年度部门预算公开文件.pdf": (14, 0, 0),
    "江苏省委办公厅/江苏省委办公厅2019年度部门预算公开表格.pdf": (12, 12, 12),
    "江苏省政协办公厅/2017年度部门预算公开表.pdf": (13, 13, 13),
    "江苏省政协办公厅/江苏省政协办公厅2017年度部门预算.pdf": (20, 0, 0),
    "江苏省政协办公厅/江苏省政协办公厅2018年度部门预算.pdf": (17, 0, 0),
    "江苏省政协办公厅/江苏省政协办公厅2018度部门预算公开表.pdf": (12, 12, 12),
    "江苏省政协办公厅/江苏省政协办公厅2019年度部门预算.pdf": (18, 0, 0),
    "江苏省政协办公厅/江苏省政协办公厅2019年预算公开表.pdf": (12, 12, 12),
}


@pytest.fixture(autouse=True, scope="module")
def _real_pdfs_present():
    """A missing ../shared/real is a failure, not a skip (as in conftest.py): a skip would hide these tests in CI."""
    assert REAL.is_dir(), f"{REAL} not found: ../shared must sit beside the checkout"


@lru_cache(maxsize=None)
def _read(rel: str) -> PdfReadResult:
    return read_pdf(REAL / rel)


def _rows(r: PdfReadResult, page: int) -> list[list[str]]:
    return [b.cells for b in r.blocks if b.kind == "row" and b.src.page == page]


def _texts(r: PdfReadResult, page: int) -> list[str]:
    return [b.cells[0] for b in r.blocks if b.kind == "text" and b.src.page == page]


def test_all_real_files_listed():
    found = sorted(str(p.relative_to(REAL)) for p in REAL.rglob("*.pdf"))
    assert found == sorted(EXPECTED)


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_reads_every_real_pdf(rel):
    pages, tables, plain = EXPECTED[rel]
    r = _read(rel)
    assert len(r.pages) == pages
    assert r.table_count == tables
    assert r.table_count >= plain
    assert r.blocks
    assert all(b.srcs and b.src.page is not None for b in r.blocks)
    # no false tables from narrative text: a table is at least 2 columns and
    # only pages with vector strokes go to camelot
    for b in r.blocks:
        if b.kind == "row":
            assert len(b.cells) >= 2
    for p in r.pages:
        if p.tables:
            assert p.camelot and p.segments >= 8
    if plain == 0:
        assert not any(b.kind == "row" for b in r.blocks)


def test_blank_last_page_is_not_an_error():
    r = _read("江苏省人大办公厅/江苏省人大办公厅2017年度预算公开.pdf")
    assert r.pages[-1].status == "blank"
    assert r.warnings == []


def test_rotated_landscape_table_page():
    # page 3 is a portrait page with /Rotate 90; table text and the title
    # around it come out in reading order
    r = _read("江苏省委办公厅/江苏省委办公厅2018年度部门预算公开表.pdf")
    assert r.pages[2].rotation == 90
    assert _texts(r, 3) == ["收支预算总表", "部门:中共江苏省委办公厅", "单位:万元"]
    rows = _rows(r, 3)
    assert len(rows) == 26
    assert rows[0] == ["收入", "", "支出", "", "", ""]
    assert rows[3] == ["一、财政拨款", "24,458.43", "一、一般公共服务支出", "20,153.75", "一、基本支出", "10,403.11"]
    assert rows[20] == ["", "", "十八、住房保障支出", "3,015.16", "", ""]
    assert rows[25] == ["收入合计", "24,458.43", "支出合计", "", "", "24,458.43"]
    first = next(b for b in r.blocks if b.kind == "row" and b.src.page == 3)
    assert (first.src.table, first.src.row, first.src.col) == (0, 0, 0)
    blocks = [b for b in r.blocks if b.src.page == 3]
    assert [b.kind for b in blocks[:4]] == ["text", "text", "text", "row"]


def test_wrapped_cells_are_rejoined():
    # page 7: "一、财政拨款" and "一、一般公共服务支出" wrap inside their cells
    r = _read("江苏省人大办公厅/江苏省人大办公厅2017年度预算公开.pdf")
    rows = _rows(r, 7)
    assert rows[3] == ["一、财政拨款", "13,649.07", "一、一般公共服务支出", "10,528.33", "一、基本支出", "7,666.68"]
    assert _texts(r, 7)[0] == "收支预算总表"


def test_cells_split_at_cell_borders():
    # plain camelot (split_text=False) gives "18,330.37一、一般公共服务支出" in one
    # cell here; the reader cuts text lines at cell borders
    r = _read("江苏省人大办公厅/江苏省人大常委会办公厅2019年部门预算公开表.pdf")
    assert ["一、财政拨款", "18,330.37", "一、一般公共服务支出", "13,907.78", "一、基本支出", "9,312.90"] in _rows(r, 1)


def test_small_table_values():
    r = _read("江苏省政协办公厅/江苏省政协办公厅2018度部门预算公开表.pdf")
    assert _rows(r, 3) == [
        ["合计", "基本支出", "项目支出", "单位预留机动经费", "结转下年资金"],
        ["10,150.48", "5,678.17", "3,314.68", "1,157.63", ""],
    ]


def test_narrative_paragraphs():
    r = _read("江苏省政协办公厅/江苏省政协办公厅2018年度部门预算.pdf")
    texts = _texts(r, 3)
    assert texts[:2] == ["第一部分部门概况", "一、主要职能"]
    para = texts[2]
    assert para.startswith("省政协是我省最广泛的爱国统一战线组织,是中国共产党领导的多党合作")
    assert para.endswith("积极主动地向党政机关提出意见和建议。")
    assert "我省大政方针的贯彻实施" in para  # a line break fell inside "大政方|针"
    assert texts[3] == "二、部门机构设置及预算单位构成情况"
    assert texts[-1] == "- 3 -"


def test_same_tables_as_plain_camelot():
    """Plain camelot (default engine, all pages) on one table document: the
    reader finds the same tables on the same pages with the same shapes."""
    import camelot

    rel = "江苏省政协办公厅/江苏省政协办公厅2018度部门预算公开表.pdf"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = camelot.read_pdf(str(REAL / rel), pages="all")
    r = _read(rel)
    mine: dict[tuple[int, int], list[list[str]]] = {}
    for b in r.blocks:
        if b.kind == "row":
            mine.setdefault((b.src.page, b.src.table), []).append(b.cells)
    per_page: dict[int, int] = {}
    theirs = {}
    for t in plain:
        i = per_page.get(t.page, 0)
        per_page[t.page] = i + 1
        theirs[(t.page, i)] = t.shape
    assert {k: (len(v), len(v[0])) for k, v in mine.items()} == theirs
