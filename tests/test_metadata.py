"""Who published a document, region, year, phase and kind (pipelines.metadata).

Two layers:

* text lines (fast): the cover / title-block lines as the PDF reader gives them, read off the real covers of
  ../shared/real (quoted next to each test), through :func:`document_metadata`;
* real PDFs through the extraction (reader -> segmenter -> metadata): small documents in full, so that the
  kind (which depends on the tables found) is tested too; the large ones on their first two pages only.

Every expected value was read by hand off the cover (``pdftoppm -r 80 -f 1 -l 2``).
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from pipelines.blocks import Block, Src
from pipelines.extract import Discovered, extract_one, read_document, sha256_of
from pipelines.metadata import canonical_department, clean_department, document_metadata, from_file_name
from pipelines.regions import NATIONAL_CODE, resolve
from pipelines.segment import Segmented, segment

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real"


def _seg(page1: list[str], page2: list[str] = ()) -> Segmented:
    cover = [Block("text", [t], [Src(page=1)]) for t in page1] + [Block("text", [t], [Src(page=2)]) for t in page2]
    return Segmented([], [b for b in cover], [], cover)


def _meta(page1, page2=(), name="doc.pdf"):
    return document_metadata(_seg(page1, page2), Discovered(Path(name), "0" * 64, 1, "pdf"))


# ------------------------------------------------------------------ text lines
def test_city_department_wrapped_title():
    """深圳/2026年深圳市交通运输局部门预算.pdf p1: the title is printed over two lines, cut inside 部门."""
    meta, problems = _meta(["2026 年深圳市交通运输局（本级）部", "门预算"], ["目 录", "一、文字部分"])
    assert (meta["department"], meta["region_code"], meta["region_level"], meta["fiscal_year"], meta["phase"]) == \
        ("深圳市交通运输局", "440300", "prefecture", 2026, "budget")
    assert meta["metadata_source"] == {"department": "cover", "region_code": "cover", "fiscal_year": "cover",
                                       "phase": "cover"}
    assert problems == []


def test_wrapped_title_four_lines():
    """福州/2026年福州市公安局部门预算.pdf p1: '2026 年度' / '福州市公安局治安管理' / '支队' / '单位预算'."""
    meta, _ = _meta(["2026 年度", "福州市公安局治安管理", "支队", "单位预算"], ["目录"])
    assert (meta["department"], meta["region_code"], meta["fiscal_year"]) == ("福州市公安局治安管理支队", "350100", 2026)


def test_district_written_with_its_city():
    """No district document is in ../shared/real: a cover in the corpus' pattern, and the district
    '上海市浦东新区' as printed in 上海/2026年上海市教育局_部门预算.pdf (body text)."""
    meta, problems = _meta(["2026 年上海市普陀区财政局部门预算"])
    assert (meta["department"], meta["region_code"], meta["region_level"], meta["province"]) == \
        ("上海市普陀区财政局", "310107", "county", "上海市")
    assert problems == []
    region, _ = resolve("上海市浦东新区教育局", 2026)
    assert (region.code, region.level) == ("310115", "county")
    # the same district name in another province, written with its city
    assert resolve("舟山市普陀区财政局", 2026)[0].code == "330903"


def test_central_department():
    """The 国家信访局 budget (saved under eight cities' names): cover '国家信访局 2026 年度部门预算'."""
    meta, problems = _meta(["国家信访局 2026 年度部门预算", "二〇二六年三月"], ["1", "目 录"],
                           name="2026年东营市信访局部门预算.pdf")
    assert (meta["department"], meta["region_code"], meta["region_level"], meta["fiscal_year"]) == \
        ("国家信访局", NATIONAL_CODE, "national", 2026)
    assert NATIONAL_CODE == "100000"
    assert problems == []
    assert meta["_file_name_disagreements"] == [
        "file name '2026年东营市信访局部门预算.pdf' says department='东营市信访局' but the document's cover says '国家信访局'"]


def test_unit_budget_label_on_cover():
    """上海/2026年上海市交通运输局_部门预算.pdf p1: the unit is labelled, the title names the region only."""
    meta, _ = _meta(["上海市2026年市级单位预算", "预算单位：上海交通职业技术学院"], ["目 录"],
                    name="2026年上海市交通运输局_部门预算.pdf")
    assert (meta["department"], meta["region_code"], meta["fiscal_year"]) == ("上海交通职业技术学院", "310000", 2026)
    assert meta["metadata_source"]["region_code"] == "cover"
    assert len(meta["_file_name_disagreements"]) == 1


def test_department_printed_twice_over_the_year():
    """北京/2026年北京市信访办公室部门预算.pdf p1: '北京市信访办公室部门 2026 年度部门预算' + '信息公开'."""
    meta, _ = _meta(["- 1 -", "北京市信访办公室部门 2026 年度部门预算", "信息公开", "目 录"])
    assert (meta["department"], meta["region_code"], meta["fiscal_year"]) == ("北京市信访办公室", "110000", 2026)


def test_final_accounts_cover():
    """西安/卫生健康委员会_2026年部门预算.pdf p1: a 2022 决算 named as a 2026 budget."""
    meta, _ = _meta(["西安市卫生健康委员会（汇总）", "2022年度部门决算", "保密审查情况：已审查"],
                    name="卫生健康委员会_2026年部门预算.pdf")
    assert (meta["department"], meta["region_code"], meta["fiscal_year"], meta["phase"]) == \
        ("西安市卫生健康委员会", "610100", 2022, "final")
    assert sorted(m.split(" says ")[1].split("=")[0] for m in meta["_file_name_disagreements"]) == \
        ["fiscal_year", "phase"]


def test_sentences_and_column_headers_are_no_department():
    for bad in ('年财政拨款"三公"经费预算147.90万元,较2025年', "年预算数", "年度一般公共预算拨款支出预算",
                '年本部门财政拨款安排"三公"经费', "资源局" + "2026年", "单位：万元", "合计"):
        assert clean_department(bad) is None, bad
    assert clean_department("深圳市交通运输局（本级）") == "深圳市交通运输局"
    assert clean_department("上海市统计和大数据研究院（上海市统计数据管理中心）") == \
        "上海市统计和大数据研究院(上海市统计数据管理中心)"
    assert canonical_department("中国共产党北京市委员会宣传部") == "北京市委宣传部"
    assert canonical_department("中共深圳市委宣传部") == "深圳市委宣传部"


def test_notice_is_not_budget_with_its_issuer():
    """惠州/2026年惠州市民政局部门预算.pdf p1: a notice published in the 公报, no budget."""
    meta, problems = _meta(["惠州市人民政府公报 2026 年第 2 期刊登", "2026 年 2 月 11 日电子公报发布", "- 1 -",
                            "惠州市民政局关于贯彻实施广东省最低生活保障", "家庭经济状况核对和生活状况综合评估办法",
                            "的通知"], name="2026年惠州市民政局部门预算.pdf")
    assert (meta["document_kind"], meta["department"], meta["region_code"], meta["fiscal_year"], meta["phase"]) == \
        ("not_budget", "惠州市民政局", "441300", None, None)
    assert problems == []


def test_file_name_fills_gaps_only():
    assert from_file_name("信访局_2026年部门预算.pdf") == {"fiscal_year": 2026, "phase": "budget", "department": "信访局"}
    # 长春/2026年长春市工业和信息化局部门预算.pdf: a hotline notice that names no department ("我局咨询热线")
    meta, _ = _meta(["我局咨询热线电话 88777380，主要为社会公众提供新型工业化发展战略"],
                    name="2026年长春市工业和信息化局部门预算.pdf")
    assert (meta["document_kind"], meta["department"], meta["region_code"]) == \
        ("not_budget", "长春市工业和信息化局", "220100")
    assert meta["metadata_source"] == {"department": "file name", "region_code": "file name"}


# ------------------------------------------------------------------ real PDFs through the extraction
@lru_cache(maxsize=None)
def _real(rel: str, first_pages: int | None = None):
    path = REAL / rel
    if first_pages:  # the first pages only, as a PDF of their own: the reader and segmenter run unchanged
        src = pdfium.PdfDocument(str(path))
        dst = pdfium.PdfDocument.new()
        dst.import_pages(src, list(range(first_pages)))
        import tempfile

        tmp = Path(tempfile.mkdtemp()) / path.name
        dst.save(str(tmp))
        path_read = tmp
    else:
        path_read = path
    d = Discovered(path_read, sha256_of(path_read), path_read.stat().st_size, "pdf")
    blocks, *_ = read_document(d)
    return document_metadata(segment(blocks), Discovered(path, d.sha256, d.size, "pdf"))


REAL_CASES = {
    # rel: (department, region_code, fiscal_year, phase, kind) — read off the cover; kind from the whole file
    "cities/深圳/2026年深圳市交通运输局部门预算.pdf": ("深圳市交通运输局", "440300", 2026, "budget", "budget"),
    "cities/德州/2026年德州市信访局部门预算.pdf": ("国家信访局", "100000", 2026, "budget", "budget"),
    "cities/无锡/信访局_2026年部门预算.pdf": ("无锡市信访局", "320200", 2025, "budget", "budget"),
    "cities/北京/2026年北京市人力资源和社会保障局部门预算.pdf":
        ("北京市人力资源和社会保障局", "110000", 2026, "budget", "narrative_only"),
    "cities/济南/2026年济南市审计局部门预算.pdf": ("济南市审计局", "370100", None, None, "not_budget"),
    "jiangsu/江苏省委办公厅/江苏省委办公厅2018年度部门预算公开表.pdf": ("江苏省委办公厅", "320000", 2018, "budget", "budget"),
}


@pytest.mark.parametrize("rel", sorted(REAL_CASES))
def test_real_documents(rel):
    meta, problems = _real(rel)
    assert (meta["department"], meta["region_code"], meta["fiscal_year"], meta["phase"], meta["document_kind"]) == \
        REAL_CASES[rel]
    assert problems == []


def test_real_file_name_disagrees_with_content():
    """无锡/发展和改革局_2026年部门预算.pdf: the cover says '2025 年度' / '无锡市发展和改革委员会' / '部门预算公开'."""
    meta, _ = _real("cities/无锡/发展和改革局_2026年部门预算.pdf", first_pages=2)
    assert (meta["department"], meta["region_code"], meta["fiscal_year"]) == ("无锡市发展和改革委员会", "320200", 2025)
    assert meta["metadata_source"]["fiscal_year"] == "cover"
    assert [m.split(" says ")[1].split("=")[0] for m in meta["_file_name_disagreements"]] == \
        ["department", "fiscal_year"]


def test_real_wrapped_title_and_unit_budget():
    """福州/2026年福州市民政局部门预算.pdf p1: '2026 年度' / '福州市民政局(本级)' / '单位预算'."""
    meta, _ = _real("cities/福州/2026年福州市民政局部门预算.pdf", first_pages=2)
    assert (meta["department"], meta["region_code"], meta["fiscal_year"]) == ("福州市民政局", "350100", 2026)


def test_real_final_accounts_named_as_budget():
    """西安/卫生健康委员会_2026年部门预算.pdf (171 pages; first two read): a 2022 决算."""
    meta, _ = _real("cities/西安/卫生健康委员会_2026年部门预算.pdf", first_pages=2)
    assert (meta["department"], meta["region_code"], meta["fiscal_year"], meta["phase"]) == \
        ("西安市卫生健康委员会", "610100", 2022, "final")


# ------------------------------------------------------------------ not a PDF at all
def test_html_saved_as_pdf_is_classified_not_failed(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    p = raw / "2026年某市财政局部门预算.pdf"
    p.write_text("<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body>nginx</body></html>\n",
                 encoding="utf-8")
    d = Discovered(p, sha256_of(p), p.stat().st_size, "pdf")
    with pytest.raises(Exception, match="HTML page"):
        read_document(d)
    res = extract_one(d, tmp_path / "staging")
    assert res["status"] == "extracted"
    staged = next((tmp_path / "staging").iterdir())
    doc = json.loads((staged / "document.json").read_text(encoding="utf-8"))
    assert (doc["status"], doc["document_kind"], doc["error_kind"], doc["fiscal_year"]) == \
        ("loaded", "not_pdf", None, None)
    assert json.loads(doc["metadata_source"]) == {"department": "file name"}
    assert (staged / "issues.parquet").exists()


def test_garbage_text_is_unreadable_not_a_non_budget():
    """'(cid:…)' glyph garbage: the kind cannot be told - a failure (a problem), never 'not_budget'."""
    meta, problems = _meta(["(cid:3542)(cid:1215)(cid:877)(cid:4410)", "(cid:12)(cid:19)"], name="x.pdf")
    assert meta["document_kind"] == "unreadable"
    assert problems and "no readable text" in problems[0]


def test_evaluation_report_and_title_without_部门():
    meta, problems = _meta(["平乡县财政局2023年度部门整体支出绩效评价报告", "一、基本情况"])
    assert (meta["document_kind"], meta["department"], meta["region_code"], meta["fiscal_year"], meta["phase"]) == \
        ("evaluation_report", "平乡县财政局", "130532", 2023, None)
    assert problems == []
    meta, _ = _meta(["和政县人力资源和社会保障局", "2024年预算公开"])
    assert (meta["department"], meta["region_code"], meta["fiscal_year"], meta["document_kind"]) == \
        ("和政县人力资源和社会保障局", "622925", 2024, "narrative_only")


def test_unknown_tables_of_figures_are_said_not_dropped():
    """包头/2026年包头市政府办公厅部门预算.pdf: a notice (a 规划) with tables of figures: not_budget, with a warning;
    and a budget title with tables the parser does not know is a budget (its tables unread), not narrative only."""
    from pipelines.segment import Table

    rows = [Block("row", [f"项目{i}", "1,234.00", "56.00"], [Src(page=3)]) for i in range(4)]
    notice = _seg(["包府办发〔2026〕11 号", "包头市人民政府办公室", "关于印发包头市建筑垃圾污染环境"])
    notice.tables.append(Table(1, None, "表1建筑垃圾污染环境防治工作规划分项指标", Src(page=3), rows=rows))
    meta, problems = document_metadata(notice, Discovered(Path("x.pdf"), "0" * 64, 1, "pdf"))
    assert (meta["document_kind"], meta["department"], meta["region_code"]) == ("not_budget", "包头市人民政府办公室", "150200")
    assert len(meta["_kind_warnings"]) == 1 and "表1建筑垃圾" in meta["_kind_warnings"][0]
    budget = _seg(["长春市信访局（本级）", "2026年度部门预算公开"])
    budget.tables.append(Table(1, None, "第二部分", Src(page=6), rows=rows))
    meta, _ = document_metadata(budget, Discovered(Path("x.pdf"), "0" * 64, 1, "pdf"))
    assert (meta["document_kind"], meta["department"], meta["region_code"]) == ("budget", "长春市信访局", "220100")


# ------------------------------------------------------------------ the whole real corpus against the hand-checked truth
TRUTH = Path(__file__).resolve().parent / "data" / "real_metadata.csv"
# read by hand, not reachable from the document: a 巡察通告 whose issuer (宁波市委第三巡察组) is printed only
# inside sentences; the file name gives '卫生健康委员会' (no region)
KNOWN_EXCEPTIONS = {"cities/宁波/卫生健康委员会_2026年部门预算.pdf"}


def test_department_region_year_of_every_real_document(tmp_path):
    """Every distinct document of ../shared/real (cities + jiangsu), its first three pages through the reader,
    segmenter and metadata: department, region code and fiscal year equal the hand-checked truth
    (tests/data/real_metadata.csv) for at least 95 % of them; the exceptions are the known ones."""
    import csv

    rows = {}
    for r in csv.DictReader(TRUTH.open(encoding="utf-8")):
        rows.setdefault(r["sha256"], r)
    wrong = {}
    for sha, r in rows.items():
        src = pdfium.PdfDocument(str(REAL / r["path"]))
        dst = pdfium.PdfDocument.new()
        dst.import_pages(src, list(range(min(3, len(src)))))
        p = tmp_path / f"{sha}.pdf"
        dst.save(str(p))
        d = Discovered(p, sha * 4, p.stat().st_size, "pdf")
        blocks, *_ = read_document(d)
        meta, _ = document_metadata(segment(blocks), Discovered(REAL / r["path"], d.sha256, d.size, "pdf"))
        got = (meta["department"], meta["region_code"], meta["fiscal_year"])
        want = (canonical_department(r["department"]), r["region_code"], int(r["fiscal_year"]) if r["fiscal_year"] else None)
        if got != want:
            wrong[r["path"]] = (got, want)
    assert len(rows) == 142
    assert 1 - len(wrong) / len(rows) >= 0.95
    assert set(wrong) == KNOWN_EXCEPTIONS, wrong
