from decimal import Decimal

import pytest

from pipelines.targets import parse_target
from pipelines.text import NumberError, clean, parse_amount, strip_item_prefix


@pytest.mark.parametrize("text,value", [
    ("1,234.5", Decimal("1234.5")), ("１２３", Decimal("123")), ("(12.3)", Decimal("-12.3")),
    ("12.3-", Decimal("-12.3")), ("163.031826", Decimal("163.031826")), ("-5", Decimal("-5")),
    ("", None), ("—", None), ("－", None), ("-", None), ("  ", None),
])
def test_parse_amount(text, value):
    assert parse_amount(text) == value


@pytest.mark.parametrize("text", ["abc", "12..3", "1 2 万", "12%"])
def test_parse_amount_refuses_non_numbers(text):
    with pytest.raises(NumberError):
        parse_amount(text)


def test_amount_keeps_published_precision():
    assert str(parse_amount("163.031826")) == "163.031826"
    assert str(parse_amount("5.60")) == "5.60"


def test_clean_and_prefix():
    assert clean("上解上级     支出") == "上解上级支出"
    assert clean("<p>目标 1: 资金</p>") == "目标1:资金"
    assert strip_item_prefix("二十三、灾害防治及应急管理支出") == "灾害防治及应急管理支出"
    assert strip_item_prefix("1.一般公共预算") == "一般公共预算"


@pytest.mark.parametrize("raw,cmp_,value,unit", [
    ("≥700人", "≥", Decimal("700"), "人"),
    ("7.58 亿元", "=", Decimal("7.58"), "亿元"),
    ("1670 元/月", "=", Decimal("1670"), "元/月"),
    ("预计145000人", "≈", Decimal("145000"), "人"),
    ("≤1000元", "≤", Decimal("1000"), "元"),
    ("95%以上", "≥", Decimal("95"), "%"),
    ("≥10％", "≥", Decimal("10"), "%"),
    ("≥325人、户", "≥", Decimal("325"), "人、户"),  # 福州 民政局 p29: one figure, a compound unit
    ("及时", None, None, None),
])
def test_parse_target(raw, cmp_, value, unit):
    t = parse_target(raw)
    assert (t.comparator, t.value, t.unit) == (cmp_, value, unit)
    assert t.parsed


def test_target_with_several_figures_is_kept_as_text_not_guessed():
    t = parse_target("1670 元/月, 500 元/月")
    assert t.value is None and not t.parsed and t.text == "1670元/月, 500元/月"
