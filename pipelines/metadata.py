"""Who published a document, for which region and year, and what kind of document it is.

Read from the document itself, in this order of trust (each value records where it came from in
``metadata_source``):

* ``cover``        - the cover page (page 1): a labelled field ("预算单位:…", "部门:…", "编制单位:…") or the
                     title printed over one or several lines ("2026 年深圳市交通运输局（本级）部" + "门预算"
                     is one title: the lines of the title block are joined before they are read);
* ``running head`` - the title repeated at the top of page 2 ("无锡市统计局 2026 年度部门预算公开");
* ``table meta``   - the title block of the tables ("部门:中共江苏省委办公厅", "316平乡县人力资源…",
                     "预算年度:2022", "主管部门" rows);
* ``title``        - a heading or sentence of the text that opens with the department and the year
                     ("江苏省政协办公厅2019年度收入、支出预算总计…");
* ``file name``    - only for a value the document does not give (file names are often wrong: another
                     department, another year, a 决算 named as a budget);
* ``manifest``     - the operator's manifest entry wins over everything (``override``).

Where the document and the file name / manifest disagree, the document's value is kept and the disagreement
is returned (``_disagreements``) to be recorded as a finding.

A department name is accepted only if it ends in a known department suffix (vocab/department_suffixes.csv)
and is not a sentence or a column header: no digits, no sentence punctuation, no budget words.

Regions: GB/T 2260 codes through :mod:`pipelines.regions` (province, prefecture city, district / county,
from the department name, else from the cover title). A central (national) department -
vocab/central_prefixes.csv ("国家信访局") - gets the national code ``100000`` (level ``national``).

Kinds of document (vocab/document_kinds.csv): budget, unit_budget, final_accounts,
performance_targets_only, narrative_only, evaluation_report, not_budget, not_pdf - and ``unreadable``
when the text cannot be read at all (a parse failure, reported as such: never guessed to be a non-budget).
"""
from __future__ import annotations

import csv
import functools
import re
from pathlib import Path

from .regions import NATIONAL, Region, reference_years, resolve
from .segment import Segmented
from .text import is_amount, key

VOCAB = Path(__file__).resolve().parent.parent / "vocab"
# the vocabulary files read here: part of the parser version (extract._PARSER_SOURCES)
VOCAB_FILES = ("department_suffixes.csv", "department_labels.csv", "department_scopes.csv", "central_prefixes.csv",
               "document_kind_words.csv")

BUDGET_TABLE_KINDS = ("subject", "pair_summary")
PERFORMANCE_TABLE_KINDS = ("perf_project", "perf_unit")


def _rows(name: str) -> list[dict]:
    with open(VOCAB / name, encoding="utf-8", newline="") as f:
        return [r for r in csv.DictReader(f)]


@functools.cache
def _vocab() -> dict:
    suffixes = sorted({key(r["suffix"]) for r in _rows("department_suffixes.csv") if r["suffix"]}, key=len,
                      reverse=True)
    labels = sorted({key(r["label"]) for r in _rows("department_labels.csv") if r["label"]}, key=len, reverse=True)
    scopes = sorted({key(r["scope"]) for r in _rows("department_scopes.csv") if r["scope"]}, key=len, reverse=True)
    central = tuple(key(r["prefix"]) for r in _rows("central_prefixes.csv") if r["prefix"])
    words = {r["signal"]: re.compile(r["pattern"]) for r in _rows("document_kind_words.csv")}
    suf = "|".join(map(re.escape, suffixes))
    scope = "|".join(map(re.escape, scopes))
    return {
        "suffixes": tuple(suffixes), "central": central, "words": words,
        "scope_re": re.compile(rf"\((?:{scope})\)"),
        "label_re": re.compile(rf"^(?:{'|'.join(map(re.escape, labels))})[:：](.*)$"),
        # a title: [year] name [(本级)] [部门] [year] 部门|单位 预算|决算 …
        "title_re": re.compile(
            rf"^(?:(20\d{{2}})年度?)?([^\d:：,，。;；、“”\"《》]{{2,60}}?(?:{suf})(?:\([^()]{{2,30}}\))?)"
            rf"(?:\((?:{scope})\))?(?:部门)?(?:(20\d{{2}})年?度?)?(?:省级|市级|县级|区级)?(部门|单位)?(?:综合|整体支出)?"
            rf"(预算|决算|绩效评价|绩效自评)"),
        # a notice's issuer: a name alone on its line, or opening it ("X关于…", "X等5部门关于…")
        "issuer_re": re.compile(rf"^([^\d:：,，。;；、“”\"《》()]{{2,40}}?(?:{suf}))(关于|等|$)"),
        # a heading or sentence opening with the department and the year ("江苏省政协办公厅2019年度收入…")
        "dept_year_re": re.compile(rf"^(?:第.部分)?((?:(?!部分)[^\s、,，。:：()（）\d]){{2,30}}?(?:{suf}))"
                                   rf"(?:部门)?(20\d{{2}})年"),
        "prefix_re": re.compile(rf"^([^\d:：,，。;；、“”\"《》()]{{2,40}}?(?:{suf}))"),
    }


# ------------------------------------------------------------------ department names
_DEPT_ALIASES = ((re.compile(r"^中国共产党(.+?)委员会"), r"\1委"), (re.compile(r"^中共(?=.{2,}[省市县区]委)"), ""))
_NOT_A_NAME = re.compile(r"预算|决算|支出|收入|合计|总计|金额|单位[:：]|万元|公开|说明|目录|情况|部分")
_PAGE_MARK = re.compile(r"^[-—–－_.·\s]*\d{0,3}[-—–－_.·\s]*$")


def canonical_department(name: str) -> str:
    """One spelling per department: 中国共产党江苏省委员会办公厅 / 中共江苏省委办公厅 → 江苏省委办公厅."""
    k = key(name)
    for pat, rep in _DEPT_ALIASES:
        k = pat.sub(rep, k)
    return k


def clean_department(name: str | None) -> str | None:
    """A department name as printed, without its scope qualifier ("（本级）"), or None when the text is not
    a department name (a sentence, a column header, a fragment)."""
    if not name:
        return None
    v = _vocab()
    k = v["scope_re"].sub("", key(name)).strip(" .·:：")
    k = re.sub(r"部门$", "", k)  # "北京市信访办公室部门 2026 年度部门预算"
    if not (2 <= len(k) <= 60) or re.search(r"\d|[,，。;；、:：“”\"《》]", k) or _NOT_A_NAME.search(k):
        return None
    base = re.sub(r"\([^()]*\)$", "", k)  # "…研究院(上海市统计数据管理中心)": the alias in brackets
    if not base.endswith(v["suffixes"]) or len(base) < 3:
        return None
    return k


# ------------------------------------------------------------------ reading the cover
def _cover_pages(seg: Segmented) -> list[list[str]]:
    """The cover's text lines by page (page 1, page 2), page numbers dropped."""
    pages: dict[int, list[str]] = {}
    for b in seg.cover:
        t = key(b.cells[0]) if b.cells else ""
        if not t or _PAGE_MARK.match(t):
            continue
        pages.setdefault(b.src.page or 1, []).append(t)
    return [pages[p] for p in sorted(pages)]


_TITLE_STOP = re.compile(r"^(目录|第[一二三四五六七八九十\d]+部分|[一二三四五六七八九十]+[、.．]|\d+[.．、])")


def _title_block(lines: list[str], n: int = 6) -> str:
    """The first lines of a page joined: a title wrapped over several lines is read as one."""
    out = []
    for t in lines[:n]:
        if _TITLE_STOP.match(t):
            break
        out.append(t.lstrip(".·、 "))
    return "".join(out)


def _read_title(text: str) -> dict | None:
    m = _vocab()["title_re"].search(text)
    if not m:
        return None
    name = clean_department(m.group(2))
    year = m.group(1) or m.group(3)
    return {"department": name, "fiscal_year": int(year) if year else None,
            "phase": {"决算": "final", "预算": "budget"}.get(m.group(5)), "unit": m.group(4) == "单位",
            "text": text}


def _labelled(lines: list[str]) -> str | None:
    v = _vocab()
    for n, t in enumerate(lines):
        m = v["label_re"].match(t)
        if m:
            val = m.group(1) or (lines[n + 1] if n + 1 < len(lines) else "")
            val = re.split(r"(?:金额)?单位[:：]", val)[0]
            name = clean_department(val)
            if name:
                return name
    return None


def _issuer(lines: list[str]) -> str | None:
    """The body that issued a notice / form / report: a department name alone on a line or opening it."""
    v = _vocab()
    year = reference_years()[1]

    def placed(m) -> str | None:  # a department name that names its place (or is central)
        name = clean_department(m.group(1)) if m else None
        return name if name and _region_of(name, year)[0] else None

    late = None
    for t in lines[:15]:
        name = placed(v["issuer_re"].match(t))
        if name:
            return name
        late = late or placed(v["prefix_re"].match(t))
    return late


# ------------------------------------------------------------------ the file name (untrusted)
def from_file_name(name: str) -> dict:
    stem = key(Path(name).stem)
    out: dict = {}
    m = re.search(r"(20\d{2})", stem)
    if m:
        out["fiscal_year"] = int(m.group(1))
    if re.search(r"(?<!预)决算", stem):
        out["phase"] = "final"
    elif "预算" in stem:
        out["phase"] = "budget"
    rest = re.sub(r"20\d{2}年?度?", "", stem)
    rest = re.split(r"部门预算|单位预算|部门决算|单位决算|预算|决算", rest)[0]
    dept = clean_department(rest.strip("_-— "))
    if dept:
        out["department"] = dept
    return out


def _same_department(a: str, b: str, year: int) -> bool:
    """Loose: a file name often drops the region ("信访局" for 无锡市信访局) or shortens the name; the
    file name's characters must appear in the document's name, in order, with the same last character."""
    a, b = canonical_department(a), canonical_department(b)
    if a == b:
        return True
    ra, _ = _region_of(a, year)
    rb, _ = _region_of(b, year)
    if ra and rb and ra.code != rb.code:
        return False
    strip = lambda s, r: s[len(r.name):] if r and s.startswith(r.name) else s  # noqa: E731
    a2, b2 = strip(a, ra), strip(b, rb)
    short, long_ = sorted((a2, b2), key=len)
    # a short form of the name: "人大办公厅" for 人大常委会办公厅, "住房和建设局" for 住房和城乡建设局
    it = iter(long_)
    return all(ch in it for ch in short) and short[-1:] == long_[-1:]


# ------------------------------------------------------------------ regions
def _region_of(text: str | None, year: int, hint: str = "", short: bool = False) -> tuple[Region | None, str | None]:
    if not text:
        return None, None
    t = re.sub(r"^(中国共产党|中共)", "", canonical_department(text))
    region, problem = resolve(t, year, hint, short)
    if region:
        return region, None
    if canonical_department(text).startswith(_vocab()["central"]):
        return NATIONAL, None
    return None, problem


# ------------------------------------------------------------------ the kind of document
_CJK_CHAR = re.compile(r"[\u4e00-\u9fff]")
MIN_READABLE_CJK = 20


def document_kind(seg: Segmented, title: dict | None, cover_text: str, unit_label: bool) -> str:
    words = _vocab()["words"]
    # a table title with no rows (a table of contents line read as a title) is no table
    kinds = {t.kind for t in seg.tables if t.declared_empty or any(not b.is_blank() for b in t.rows)}
    budget_tables = bool(kinds & set(BUDGET_TABLE_KINDS))
    perf_tables = bool(kinds & set(PERFORMANCE_TABLE_KINDS))
    head = (title or {}).get("text") or cover_text
    readable = " ".join([b.text for b in seg.cover[:40]] + [b.text for b in seg.narrative[:50]]
                        + [b.text for t in seg.tables[:5] for b in t.rows[:10]] + [t.title for t in seg.tables[:5]])
    if len(_CJK_CHAR.findall(readable)) < MIN_READABLE_CJK:
        # garbage ("(cid:3542)…"), an empty text layer: what the file is cannot be told - a failure, not a kind
        return "unreadable"
    if words["evaluation"].search(cover_text):
        return "evaluation_report"
    phase_final = bool(title and title["phase"] == "final") or (not title and bool(words["final"].search(head)))
    # a budget / final accounts by its own words: the title, the cover, the first page after it, the headings
    heads = cover_text + "".join(b.text for b in seg.cover[:40]) + "".join(b.text for b in seg.narrative[:30])
    titled = bool(title) or bool(words["budget"].search(key(heads)))
    # tables of figures the registry does not know: the file has tables, they were not read. It is not
    # "narrative only" - it keeps the kind its title gives, so the completeness rule reports the missing tables
    unread = unread_tables(seg)
    if budget_tables or (titled and unread and not perf_tables):
        if phase_final or any(t.type.startswith("final_") and t.rows for t in seg.tables):
            return "final_accounts"
        if (title and title["unit"]) or unit_label:
            return "unit_budget"
        return "budget"
    if perf_tables:
        return "performance_targets_only"
    if titled:
        return "narrative_only"
    return "not_budget"


def unread_tables(seg: Segmented) -> int:
    """Tables of figures (3+ rows with 2+ amounts) whose title the registry does not know."""
    return sum(1 for t in seg.tables if t.kind == "unclassified"
               and sum(1 for b in t.rows if sum(is_amount(c) for c in b.cells) >= 2) >= 3)


# ------------------------------------------------------------------ the metadata of one document
_DEPT_CODE = re.compile(r"^(\d{3,})\s*(\S.*)$")
_DEPT_TRAIL_CODE = re.compile(r"^(\D+?)\s*(\d{3,})$")
_YEAR = re.compile(r"(20\d{2})\s*年")


def _from_tables(seg: Segmented) -> dict:
    """Department, its code and the year from the tables' title blocks (the 公开表 / text-export layouts)."""
    dept = dept_code = year = None
    label_depts: list[str] = []
    for t in seg.tables:
        texts = t.meta_texts()
        for n, m in enumerate(texts):
            mm = re.match(r"^部门(名称)?[:：](.*)$", key(m))
            if mm:
                # "部门:XXX", or a bare "部门:" with the name on the next line; a name cut by the unit on the
                # same line ("部门:…办" + "单位:万元公厅") is rejoined
                val = mm.group(2) or (texts[n + 1] if n + 1 < len(texts) else "")
                if n + 1 < len(texts):
                    tail = re.match(r"^单位[:：](?:万元|元)(\S+)$", key(texts[n + 1]))
                    if tail and mm.group(2):
                        val += tail.group(1)
                val = re.split(r"(?:金额)?单位[:：]", key(val))[0]
                if clean_department(val):
                    label_depts.append(canonical_department(clean_department(val)))
        for m in texts:
            k = key(m)
            mm = re.match(r"^(?:预算|决算)年度[:：]?(\d{4})", k)
            if mm and not year:
                year = int(mm.group(1))
            mm = _DEPT_CODE.match(k)
            if mm and not dept and not k.startswith(("预算年度", "决算年度")) and clean_department(mm.group(2)):
                dept_code, dept = mm.group(1), clean_department(mm.group(2))
        for b in t.rows[:6]:
            if b.cells and (key(b.cells[0]).startswith("主管部门") or key(b.cells[0]).startswith("部门(单位)名称")):
                val = next((c for c in b.cells[1:] if c), None)
                if val:
                    mm = _DEPT_TRAIL_CODE.match(key(val))
                    name, code = (mm.group(1), mm.group(2)) if mm else (key(val), None)
                    name = clean_department(name)
                    if name and not dept:
                        dept = name
                    if code and name == dept and not dept_code:
                        dept_code = code
    if not dept and label_depts:
        dept = max(set(label_depts), key=label_depts.count)
    return {"department": dept, "department_code": dept_code, "fiscal_year": year}


def document_metadata(seg: Segmented, d, override: dict | None = None) -> tuple[dict, list[str]]:
    """-> (metadata, problems).  ``d``: the :class:`~pipelines.extract.Discovered` file (its name fills gaps
    only); ``override``: the manifest entry (wins).  ``metadata['_disagreements']``: the file name or the
    manifest contradicting the document, one message each."""
    src: dict[str, str] = {}
    meta: dict = {"department": None, "department_printed": None, "department_code": None, "fiscal_year": None,
                  "phase": None}

    def put(field: str, value, source: str):
        if value is not None and meta.get(field) is None:
            meta[field] = value
            src[field] = source

    pages = _cover_pages(seg)
    p1 = pages[0] if pages else []
    p2 = pages[1] if len(pages) > 1 else []
    cover_text = "".join(p1[:12])
    title = _read_title(_title_block(p1)) if p1 else None
    title_src = "cover"
    if not title or not title["department"]:
        head = _read_title(_title_block(p2)) if p2 else None
        if head and head["department"]:
            title, title_src = head, "running head"
    label = _labelled(p1 + p2)
    unit_label = any(re.match(r"^(预算单位|决算单位)[:：]", t) for t in p1 + p2)
    if label:
        # the label printed in a table's title block (a 公开表 set whose first page is a table) is table meta
        in_tables = {key(b.cells[0]) for t in seg.tables for b in t.meta if b.cells}
        put("department_printed", label,
            "table meta" if any(label in x and x in in_tables for x in p1 + p2) else "cover")
    if title:
        put("department_printed", title["department"], title_src)
        put("fiscal_year", title["fiscal_year"], title_src)
        put("phase", title["phase"], title_src)
    if not title:  # a cover title without the department: "上海市2026年市级单位预算"
        m = re.search(r"(20\d{2})年度?.{0,8}(?:部门|单位)(预算|决算)", cover_text)
        if m:
            put("fiscal_year", int(m.group(1)), "cover")
            put("phase", "final" if m.group(2) == "决算" else "budget", "cover")
    kind = document_kind(seg, title, cover_text, unit_label)
    budgetish = kind not in ("not_budget", "not_pdf", "unreadable")

    tab = _from_tables(seg)
    if budgetish:
        put("department_printed", tab["department"], "table meta")
        if tab["department_code"] and meta["department_printed"] == tab["department"]:
            meta["department_code"] = tab["department_code"]
        put("fiscal_year", tab["fiscal_year"], "table meta")
        texts = [b.cells[0] for b in seg.narrative[:20]] + [t.title for t in seg.tables]
        if meta["fiscal_year"] is None:
            years = [int(y) for y in seg.year_lines]
            for tx in texts:
                years += [int(m) for m in _YEAR.findall(tx)]
            if years:
                put("fiscal_year", max(set(years), key=years.count), "title")
        if meta["department_printed"] is None:
            for tx in texts:
                mm = re.match(r"^(?:第.部分)?\s*(\S+?)(20\d{2})年(?:度)?部门(预算|决算)", key(tx))
                if mm and not re.search(r"部分|、", mm.group(1)) and clean_department(mm.group(1)):
                    put("department_printed", clean_department(mm.group(1)), "title")
                    break
        if meta["department_printed"] is None:
            # a heading or sentence that opens with the department and the year:
            # "江苏省人大常委会办公厅2018年度部门" / "江苏省政协办公厅2019年度收入、支出预算总计…"
            found = []
            for b in seg.narrative[:200]:
                mm = _vocab()["dept_year_re"].match(key(b.cells[0]))
                if mm and (not meta["fiscal_year"] or int(mm.group(2)) == meta["fiscal_year"]) \
                        and clean_department(mm.group(1)):
                    found.append(clean_department(mm.group(1)))
            if found:
                put("department_printed", max(set(found), key=found.count), "title")
        if meta["phase"] is None and kind != "evaluation_report":
            titles = [key(t.title) for t in seg.tables] + [key(b.cells[0]) for b in seg.narrative[:5]]
            put("phase", "final" if any(re.search(r"(?<!预)决算", x) for x in titles) else "budget", "title")
    else:
        # a notice, a form, a report: the body that issued it; it has no fiscal year or phase of its own
        put("department_printed", _issuer(p1 + p2), "cover")
        meta["fiscal_year"] = meta["phase"] = None
        src.pop("fiscal_year", None)
        src.pop("phase", None)

    # the file name fills gaps only; a disagreement is recorded
    file_disagreements: list[str] = []
    fn = from_file_name(d.path.name)
    for field, got in (("department", meta["department_printed"]), ("fiscal_year", meta["fiscal_year"]),
                       ("phase", meta["phase"])):
        v = fn.get(field)
        if v is None or not budgetish and field != "department":
            continue
        if got is None:
            put("department_printed" if field == "department" else field, v, "file name")
        elif field == "department" and not _same_department(got, v, meta["fiscal_year"] or 2020) or \
                field != "department" and got != v:
            file_disagreements.append(f"file name {d.path.name!r} says {field}={v!r} but the document's "
                                 f"{src.get('department_printed' if field == 'department' else field)} "
                                 f"says {got!r}")
    if meta["department_printed"]:
        meta["department"] = canonical_department(meta["department_printed"])
        src["department"] = src.pop("department_printed")

    problems: list[str] = []
    if kind == "unreadable":
        problems.append("no readable text on the cover, in the text or the tables: the kind of document, its "
                        "department and year cannot be told")
    disagreements: list[str] = []
    if override:
        for k, v in override.items():
            if v is not None and meta.get(k) not in (None, v) and str(meta.get(k)) != str(v):
                disagreements.append(f"manifest sets {k}={v!r} but the document's headings say {meta.get(k)!r}")
        for k, v in override.items():
            if v is not None:
                meta[k] = v
                src[k] = "manifest"
    region = None
    year = int(meta["fiscal_year"]) if meta.get("fiscal_year") else None
    ryear = year or fn.get("fiscal_year") or 2020
    hint = " ".join(b.cells[0] for b in seg.narrative[:50])
    if meta.get("county"):
        # a county given by the manifest is resolved itself, so county and region code cannot disagree
        region, problem = resolve(meta["county"], ryear, hint)
        if problem:
            problems.append(problem)
        elif region and meta.get("department") and not meta["department"].startswith(region.name) \
                and region.level == "county":
            disagreements.append(f"manifest sets county={override['county']!r} but the department heading "
                                 f"{meta['department']!r} names another place")
        rsrc = "manifest"
    else:
        region, problem = _region_of(meta.get("department"), ryear, hint)
        rsrc = src.get("department")
        if not region:
            for text, s in ((title or {}).get("text"), title_src), (cover_text, "cover"):
                r2, _ = _region_of(text, ryear)
                if r2:
                    region, rsrc = r2, s
                    break
        if not region and meta.get("department"):  # a short place name: "福州经济技术开发区…"
            region, _ = _region_of(meta["department"], ryear, hint, short=True)
        if not region and fn.get("department"):
            region, _ = _region_of(fn["department"], ryear)
            rsrc = "file name"
        if not region and budgetish and meta.get("department"):
            problems.append(problem or f"no GB/T 2260 division name in {meta['department']!r}")
    if budgetish and (not meta.get("department") or not meta.get("fiscal_year")):
        problems.append("department or fiscal year not found in the document's headings")
    if region:
        src["region_code"] = rsrc or "cover"
    meta.update({
        "region_code": meta.get("region_code") or (region.code if region else None),
        "county": meta.get("county") or (region.name if region else None),
        "region_level": region.level if region else None,
        "province": region.province if region else None,
        "prefecture": region.prefecture if region else None,
        "region_ref_year": region.ref_year if region else None,
        "document_kind": kind,
        "metadata_source": {k: src[k] for k in ("department", "region_code", "fiscal_year", "phase") if k in src},
    })
    meta["_disagreements"] = disagreements
    meta["_file_name_disagreements"] = file_disagreements
    meta["_kind_warnings"] = []
    if kind == "not_budget" and unread_tables(seg):
        # no budget title and no known budget table, yet tables of figures: said, not silently dropped
        meta["_kind_warnings"].append(
            f"classified not_budget (no budget or final-accounts title, no known budget table), but it holds "
            f"{unread_tables(seg)} table(s) of figures with titles the parser does not know, e.g. "
            f"{next(t.title for t in seg.tables if t.kind == 'unclassified')!r}")
    return meta, problems
