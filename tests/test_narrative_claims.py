"""The narrative's claims about its own figures (pipelines/narrative.py), read from lines as a PDF prints them.

The lines are those of the 2022 决算 of 西安市卫生健康委员会 (../shared/real/cities/西安, pages 9–12), cut where
the PDF cuts them; every value was checked by hand against the page."""
from __future__ import annotations

from decimal import Decimal as D

from pipelines.blocks import Block, Src
from pipelines.narrative import narrative_read


def lines(page: int, *texts: str) -> list[Block]:
    return [Block("text", [t], [Src(page=page)]) for t in texts]


def claims_of(*blocks) -> list[dict]:
    return narrative_read([b for bs in blocks for b in bs])[1]


def test_rate_and_comparison_across_wrapped_lines():
    c = claims_of(lines(12, "2.教育支出(类)普通教育(款)学前教育(项)。年初预",
                        "算999.83万元,支出决算1,182.59万元,完成年初预算的",
                        "118.28%。决算数大于年初预算数的主要原因是:西安市第一实验",
                        "幼儿园因业务增长追加了业务经费。"))
    assert [(x["kind"], x["x"], x["y"], x["stated"], x["word_sign"]) for x in c] == [
        ("rate", D("999.83"), D("1182.59"), D("118.28"), None),
        ("comparison", D("999.83"), D("1182.59"), None, 1)]
    assert c[0]["x_half"] == D("0.005") and c[0]["stated_decimals"] == 2
    # 1182.59 ÷ 999.83 × 100 = 118.2791… → 118.28: the sentence agrees with itself
    assert abs(c[0]["y"] / c[0]["x"] * 100 - c[0]["stated"]) <= D("0.005")


def test_comparison_without_rate_and_a_zero_budget():
    c = claims_of(lines(12, "1.一般公共服务支出(类)发展与改革事务(款)日常经济",
                        "运行调节(项)。年初预算0万元,支出决算56万元,决算数大于",
                        "年初预算数的主要原因是:西安急救中心对该功能科目使用错"))
    assert [(x["kind"], x["x"], x["y"], x["word_sign"]) for x in c] == [("comparison", D("0"), D("56"), 1)]


def test_shares_of_an_enumeration_and_of_a_named_total():
    c = claims_of(lines(10, "三、支出决算情况说明",
                        "2022年度本年支出合计2,074,962.01万元,其中:基本支出",
                        "1,168,039.29万元,占56.29%;项目支出906,922.72万元,占",
                        "43.71%。"),
                  lines(11, "五、一般公共预算财政拨款支出决算情况说明",
                        "2022年度一般公共预算财政拨款支出年初预算139,217.01万",
                        "元,支出决算296,047.75万元,完成年初预算的212.65%,占本年",
                        "支出合计的14.27%。"))
    shares = [(x["x"], x["y"], x["stated"]) for x in c if x["kind"] == "share"]
    assert shares == [(D("1168039.29"), D("2074962.01"), D("56.29")),
                      (D("906922.72"), D("2074962.01"), D("43.71")),
                      (D("296047.75"), D("2074962.01"), D("14.27"))]  # 占本年支出合计的: the named total
    rate = next(x for x in c if x["kind"] == "rate")
    assert (rate["x"], rate["y"], rate["stated"]) == (D("139217.01"), D("296047.75"), D("212.65"))


def test_change_on_the_year_before_and_what_is_not_one():
    c = claims_of(lines(9, "一、收入支出决算总体情况说明",
                        "2022年度收入总计、支出总计均为2,480,372.7万元,与上年",
                        "相比收入总计、支出总计均增加789,183.4万元,增长46.66%,增"),
                  lines(10, "2022年度财政拨款收入总计、支出总计均为864,177.93万",
                        "元,与上年相比收入总计、支出总计均增加337,874.84万元,增",
                        "长64.2%,增长的主要原因是:因个别单位新建医院政府专项债券",
                        "收入增加,故政府性基金预算财政拨款收入与上年同期相比,增",
                        "加144.81%,。"))
    changes = [(x["x"], x["y"], x["stated"], x["word_sign"], x["stated_sign"]) for x in c if x["kind"] == "change"]
    # 789183.4 ÷ (2480372.7 − 789183.4) × 100 = 46.664…; 337874.84 ÷ (864177.93 − 337874.84) × 100 = 64.198…;
    # "增加144.81%" speaks of another figure (the 政府性基金 income, not in the sentence): no claim
    assert changes == [(D("2480372.7"), D("789183.4"), D("46.66"), 1, 1),
                       (D("864177.93"), D("337874.84"), D("64.2"), 1, 1)]


def test_template_wording_with_both_directions_is_no_claim():
    # Jiangsu templates print both words: "增加（减少）0万元，增长（减少）0%" — no direction is claimed
    c = claims_of(lines(9, "2019年收入预算总计1,234.56万元，与上年相比增加（减少）0万元，增长（减少）0%。"))
    assert [x for x in c if x["kind"] == "change"] == []


def test_figures_keep_the_label_across_a_line_break():
    figs, _ = narrative_read(lines(11, "2022年度一般公共预算财政拨款支出年初预算139,217.01万",
                                   "元,支出决算296,047.75万元,完成年初预算的212.65%,占本年"))
    assert [(f["label"], f["value"], f["unit"]) for f in figs] == [
        ("一般公共预算财政拨款支出年初预算", D("139217.01"), "万元"),
        ("支出决算", D("296047.75"), "万元"),
        ("完成年初预算", D("212.65"), "%")]
