"""Property-based tests (hypothesis): the number parser, the subject-code parser and the subject-table
normaliser on generated consistent 类/款/项 tables rendered to the 'cells' text format."""
from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.normalize import _row_subject, normalize
from pipelines.readers.text_export import blocks_from_cells
from pipelines.segment import segment
from pipelines.text import NumberError, parse_amount

FULL = str.maketrans("0123456789.,-()", "０１２３４５６７８９．，－（）")

decimals_ = st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, allow_infinity=False,
                        places=None).filter(lambda d: d.is_finite() and -8 <= d.as_tuple().exponent <= 0)
money = st.integers(min_value=0, max_value=10**12).flatmap(
    lambda n: st.integers(min_value=0, max_value=6).map(lambda p: Decimal(n).scaleb(-p)))


@given(st.text(max_size=30))
@settings(max_examples=400)
def test_parse_amount_raises_only_number_error(text):
    try:
        v = parse_amount(text)
    except NumberError:
        return
    assert v is None or isinstance(v, Decimal)


@given(st.text(alphabet="0123456789.,-+()（）－—,，０１２３４５６７８９ 　", max_size=16))
@settings(max_examples=400)
def test_parse_amount_on_number_like_noise(text):
    try:
        v = parse_amount(text)
    except NumberError:
        return
    assert v is None or v.is_finite()


def _plain(d: Decimal) -> str:
    return format(d, "f")


def _grouped(d: Decimal) -> str:
    return format(d, ",f")


@given(money, st.sampled_from(["plain", "grouped", "full", "full_grouped"]),
       st.sampled_from(["", "minus", "parens", "trailing", "full_parens"]))
@settings(max_examples=400)
def test_formatted_amount_round_trips(d, digits, sign):
    body = {"plain": _plain(d), "grouped": _grouped(d), "full": _plain(d).translate(FULL),
            "full_grouped": _grouped(d).translate(FULL)}[digits]
    text = {"": body, "minus": "-" + body, "parens": f"({body})", "trailing": body + "-",
            "full_parens": f"（{body}）"}[sign]
    want = d if sign == "" else -d
    got = parse_amount(text)
    assert got == want and got.as_tuple().exponent == d.as_tuple().exponent, (text, got)


@given(st.sampled_from(["", " ", "-", "—", "－", "–", "——", "/"]))
def test_no_amount_marks(text):
    assert parse_amount(text) is None


# ---------------------------------------------------------------- subject codes
cjk_name = st.text(alphabet="社会保障和就业支出行政运行事业单位养老", min_size=1, max_size=12)
seq = st.integers(min_value=1, max_value=99).map(str)


@given(st.sampled_from([3, 5, 7]), st.data(), cjk_name, seq)
def test_subject_code_levels(length, data, name, n):
    code = data.draw(st.text(alphabet="0123456789", min_size=length, max_size=length))
    level = {3: "类", 5: "款", 7: "项"}[length]
    assert _row_subject([n, code, name, "1.00"]) == (code, name, level)
    assert _row_subject([n, f"{code}{name}", "1.00"]) == (code, name, level)


@given(st.sampled_from([1, 2, 4, 6, 8]), st.data(), cjk_name, seq)
def test_subject_code_of_another_length_is_not_a_subject(length, data, name, n):
    code = data.draw(st.text(alphabet="0123456789", min_size=length, max_size=length))
    assert _row_subject([n, code, name, "1.00"]) is None


# ---------------------------------------------------------------- subject tables
TITLE = "部门预算一般公共预算财政拨款支出表"
MEASURES = ("合计", "基本支出", "项目支出")
amount = st.integers(min_value=1, max_value=10**9).map(lambda n: Decimal(n).scaleb(-2))


@st.composite
def subject_tables(draw):
    """{code: (name, basic, project)} for 项 rows, grouped under 款 and 类 — sums computed."""
    leis = draw(st.lists(st.integers(201, 235), min_size=1, max_size=3, unique=True))
    leaves = {}
    for lei in leis:
        for kuan in draw(st.lists(st.integers(1, 99), min_size=1, max_size=3, unique=True)):
            for xiang in draw(st.lists(st.integers(1, 99), min_size=1, max_size=3, unique=True)):
                code = f"{lei}{kuan:02d}{xiang:02d}"
                leaves[code] = (draw(amount), draw(amount))
    style = draw(st.sampled_from(["plain", "grouped", "full"]))
    return leaves, style


def _rows(leaves):
    """Every row (code, basic, project) of the table: 类, its 款, their 项, in order; sums computed."""
    sums: dict[str, list[Decimal]] = {}
    for code, (b, p) in leaves.items():
        for c in (code[:3], code[:5], code):
            s = sums.setdefault(c, [Decimal(0), Decimal(0)])
            s[0] += b
            s[1] += p
    return [(c, *sums[c]) for c in sorted(sums)]


def _fmt(d: Decimal, style: str) -> str:
    return {"plain": format(d, "f"), "grouped": format(d, ",f"), "full": format(d, "f").translate(FULL)}[style]


def render_cells(leaves, style) -> str:
    rows = _rows(leaves)
    total_b = sum(leaves[c][0] for c in leaves)
    total_p = sum(leaves[c][1] for c in leaves)
    out = [TITLE, "\t316平乡县人力资源和社会保障局", "\t预算年度：2022", "\t单位：万元", ""]
    table = [["序号", "功能分类科目", "合计", "基本支出", "项目支出"],
             ["", "科目编码", "科目名称", "", "", ""],
             ["栏次", "1", "2", "3", "4", "5"],
             ["1", "", "合计", *(_fmt(x, style) for x in (total_b + total_p, total_b, total_p))]]
    for i, (code, b, p) in enumerate(rows, 2):
        table.append([str(i), code, f"科目{code}", *(_fmt(x, style) for x in (b + p, b, p))])
    for r in table:
        out.extend("\t" + c for c in r)
        out.append("")
    return "\n".join(out) + "\n"


@given(subject_tables())
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_subject_table_round_trips_and_sums_hold(table):
    leaves, style = table
    parsed = normalize(segment(blocks_from_cells(render_cells(leaves, style))))
    assert not [i for i in parsed.issues if i["severity"] == "error"], parsed.issues
    facts = {(r["subject_code"], r["measure"]): r["amount"] for r in parsed.budget
             if r["table_type"] == "gpb_expenditure"}
    levels = {r["subject_code"]: r["subject_level"] for r in parsed.budget if r["subject_code"]}
    want = {}
    for code, b, p in _rows(leaves):
        want.update({(code, "合计"): b + p, (code, "基本支出"): b, (code, "项目支出"): p})
        assert levels[code] == {3: "类", 5: "款", 7: "项"}[len(code)]
    total = {m: sum(v for (c, mm), v in want.items() if mm == m and len(c) == 3) for m in MEASURES}
    want.update({(None, m): v for m, v in total.items()})
    assert facts == want
    # the identities the checks rely on hold on what was read
    codes = {c for c, _ in facts if c}
    for m in MEASURES:
        for c in codes:
            kids = [k for k in codes if len(k) == len(c) + 2 and k.startswith(c)]
            if kids:
                assert facts[(c, m)] == sum(facts[(k, m)] for k in kids)
        assert facts[(None, m)] == sum(facts[(c, m)] for c in codes if len(c) == 3)
    for c in list(codes) + [None]:
        assert facts[(c, "合计")] == facts[(c, "基本支出")] + facts[(c, "项目支出")]
