"""Figures and claims of the narrative 情况说明.

A PDF prints a paragraph as lines cut at the margin ("…支出决算3,535.94万" / "元,完成年初预算的…"), so the
narrative lines are first joined into one text stream: lines of a PDF page run on, a list heading
("一、", "(二)", "3.") or a text-export paragraph starts a new segment. Each character of the stream keeps
the line it came from, so every figure and claim points at its page and line.

* **Figures**: "部门全年预算数15385.49万元" — its label (the words before it, back to the previous
  punctuation), exact value, unit, sentence and source. Which table figure a label names is data:
  ``narrative_map.csv`` beside this file (an optional sentence pattern narrows a label to the sentences
  that speak of the whole, so an item's "完成年初预算的X%" is never compared with the total).
* **Claims** the text makes about its own figures, checked without any table:
  ``rate``       年初预算X, 支出决算Y, 完成年初预算的Z%      → Z = Y ÷ X × 100
  ``comparison`` 决算数大于/小于/等于年初预算数 after X and Y  → the word agrees with Y − X
  ``change``     A, 比上年增加/减少D, 增长/下降p%            → the words agree; p = D ÷ (A ∓ D) × 100
  ``share``      T, 其中…X, 占p% (or 占<named total>的p%)    → p = X ÷ T × 100
  A claim whose operands the parser cannot find is not made (a sentence is never guessed at).
The vocabulary of the claims (the words for budget, final, more, less, up, down) is in
``vocab/narrative_claims.csv``.
"""
from __future__ import annotations

import csv
import functools
import re
from bisect import bisect_right
from decimal import Decimal
from pathlib import Path

from .blocks import Block
from .segment import PAGE_NUMBER
from .text import clean, key

_FIG = re.compile(r"(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)\s*(?P<unit>万元|亿元|元|%)(?!/)")
_LEAD = re.compile(r"^(其中[:：]?|主要是|共计|合计|安排|包括|含)+")
_LABEL_STOP = "，,。；;：:（()）、\n"
_SENT_STOP = "。；;\n！!？?"
# a list heading starts a new segment of the stream: "一、", "(二)", "3.", "第一部分"
_MARKER = re.compile(r"^(第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十\d]{1,2}[)）]"
                     r"|\d{1,2}[.、．](?!\d))")
_HEADING_END = re.compile(r"(说明|情况|概况|构成|职责|机构|目录|表)$")
TO_WAN = {"万元": Decimal(1), "元": Decimal("0.0001"), "亿元": Decimal(10000)}


def _stream(blocks: list[Block]) -> tuple[str, list[int], list[Block]]:
    """The narrative as one text: PDF lines of a paragraph joined, a break ("\\n") before a list heading,
    after a heading line or a line well short of the page's widest (the end of a paragraph) and between
    text-export paragraphs. Returns (text, start offset of each block,
    the blocks)."""
    text = ""
    starts: list[int] = []
    used: list[Block] = []
    prev: Block | None = None
    # the longest line of each PDF page: a line well short of it ends its paragraph (or is a heading)
    widest: dict[int, int] = {}
    for b in blocks:
        if b.cells and b.src.page is not None:
            widest[b.src.page] = max(widest.get(b.src.page, 0), len(clean(b.cells[0])))
    prev_len = 0
    for b in blocks:
        t = clean(b.cells[0]) if b.cells else ""
        if not t or PAGE_NUMBER.match(key(t)):
            continue
        if text and not text.endswith("\n"):
            pdf_run_on = (b.src.page is not None and prev is not None and prev.src.page is not None
                          and not _MARKER.match(t) and not _HEADING_END.search(text[-12:])
                          and prev_len >= 0.7 * widest.get(prev.src.page, 0))
            if not pdf_run_on:
                text += "\n"
        starts.append(len(text))
        used.append(b)
        text += t
        prev = b
        prev_len = len(t)
    return text, starts, used


def _boundary(text: str, pos: int, stops: str) -> int:
    return max(text.rfind(p, 0, pos) for p in stops)


def _decimals(num: str) -> int:
    return len(num.split(".")[1]) if "." in num else 0


@functools.cache
def claim_words() -> dict[str, re.Pattern]:
    """vocab/narrative_claims.csv: role -> one regex of its wordings."""
    from .registry import vocab_rows

    by_role: dict[str, list[str]] = {}
    for r in vocab_rows("narrative_claims.csv"):
        by_role.setdefault(r["role"].strip(), []).append(f"(?:{r['regex']})")
    return {k: re.compile("|".join(v)) for k, v in by_role.items()}


def narrative_read(blocks: list[Block]) -> tuple[list[dict], list[dict]]:
    """(figures, claims) of the narrative blocks."""
    text, starts, used = _stream(blocks)

    def src_at(pos: int) -> Block:
        return used[max(0, bisect_right(starts, pos) - 1)]

    figs = []
    for m in _FIG.finditer(text):
        start = _boundary(text, m.start(), _LABEL_STOP)
        label = text[start + 1:m.start()].strip()
        label = re.sub(r"(为|是|达到|约|的)$", "", label)
        label = re.sub(r"^\d{4}年(度)?", "", label)
        label = _LEAD.sub("", label)
        sent_start = _boundary(text, m.start(), _SENT_STOP) + 1
        ends = [i for i in (text.find(p, m.end()) for p in _SENT_STOP) if i >= 0]
        sent_end = min(ends or [len(text)])
        b = src_at(m.start())
        unit = m.group("unit")
        value = Decimal(m.group("num").replace(",", ""))
        figs.append({
            "seq": len(figs) + 1, "label": label, "value": value, "value_text": m.group(0), "unit": unit,
            "sentence": text[sent_start:sent_end + 1][:300], "page": b.src.page, "line": b.src.line,
            "src_ref": b.src.ref(),
            # not staged: what the claims need
            "_pos": m.start(), "_end": m.end(), "_dec": _decimals(m.group("num")),
            "_wan": value * TO_WAN[unit] if unit in TO_WAN else None})
    claims = _claims(text, figs)
    for f in figs:
        for k in [k for k in f if k.startswith("_")]:
            del f[k]
    return figs, claims


def _sign(w: dict[str, re.Pattern], word: str) -> int | None:
    for role, sign in (("more", 1), ("less", -1), ("equal", 0)):
        if w[role].search(word):
            return sign
    return None


def _claims(text: str, figs: list[dict]) -> list[dict]:
    w = claim_words()
    out: list[dict] = []

    def add(kind, f_at, x, y, stated, stated_dec, word, word_sign=None, stated_sign=None, x_dec=None, y_dec=None):
        s0 = _boundary(text, f_at["_pos"], _SENT_STOP) + 1
        e = [i for i in (text.find(p, f_at["_end"]) for p in _SENT_STOP) if i >= 0]
        out.append({"seq": len(out) + 1, "kind": kind, "x": x, "y": y, "stated": stated,
                    "stated_decimals": stated_dec, "x_half": x_dec, "y_half": y_dec, "word": word,
                    "word_sign": word_sign, "stated_sign": stated_sign,
                    "sentence": text[s0:min(e or [len(text)]) + 1][:300], "page": f_at["page"],
                    "line": f_at["line"], "src_ref": f_at["src_ref"], "figure_seq": f_at["seq"]})

    def half(g) -> Decimal:
        """Half a unit of the figure's last published decimal, in 万元: its rounding."""
        return Decimal(5).scaleb(-g["_dec"] - 1) * TO_WAN[g["unit"]]

    def segment_of(pos: int) -> int:
        return text.rfind("\n", 0, pos)

    def label_before(f) -> str:
        return text[_boundary(text, f["_pos"], "，,。；;\n、") + 1:f["_pos"]]

    def prev_amount(i: int):
        """The amount a percentage speaks of: the nearest amount before it in the same sentence, with only
        percentages between them."""
        for g in reversed(figs[:i]):
            if re.search(r"[。;；\n]", text[g["_end"]:figs[i]["_pos"]]):
                return None
            if g["unit"] != "%":
                return g if g["_wan"] is not None else None
        return None

    last_x = last_y = None  # the last 年初预算 (X) and 决算 (Y) amounts of the current segment
    total = None  # the amount an enumeration "…T万元,其中:" is a part of
    for i, f in enumerate(figs):
        seg = segment_of(f["_pos"])
        if last_x is not None and segment_of(last_x["_pos"]) != seg:
            last_x = None
        if last_y is not None and segment_of(last_y["_pos"]) != seg:
            last_y = None
        if total is not None and (segment_of(total["_pos"]) != seg or "。" in text[total["_end"]:f["_pos"]]):
            total = None
        before = label_before(f)
        lead = text[max(_boundary(text, f["_pos"], "，,。；;\n"), f["_pos"] - 40) + 1:f["_pos"]]
        if f["unit"] != "%":
            if w["final"].search(before):
                last_y = f
            elif w["budget"].search(before):
                last_x = f
            if re.match(r"\s*[,，]?\s*其中", text[f["_end"]:f["_end"] + 6]):
                total = f
        elif w["rate"].search(lead) and last_x is not None and last_y is not None:
            add("rate", f, last_x["_wan"], last_y["_wan"], f["value"], f["_dec"], w["rate"].search(lead).group(0),
                x_dec=half(last_x), y_dec=half(last_y))
        elif (sm := re.search(r"占(?P<name>[^,，。；;\n]*?)的?$", lead)):
            x = prev_amount(i)
            name = sm.group("name")
            den = None
            if name:
                den = next((g for g in reversed(figs[:i]) if g["unit"] != "%" and g["label"] == name), None)
            elif total is not None and x is not None and x is not total:
                den = total
            if x is not None and den is not None and den["_wan"]:
                add("share", f, x["_wan"], den["_wan"], f["value"], f["_dec"], "占" + name,
                    x_dec=half(x), y_dec=half(den))
        elif (pm := w["change_pct"].search(lead)) and i >= 2 and figs[i - 1]["unit"] != "%":
            # a change on the year before: A …(比|较)上年 增加/减少 D, 增长/下降 p%  (p right after D)
            a, d = figs[i - 2], figs[i - 1]
            between = text[a["_end"]:d["_pos"]]
            up, down = w["up"].search(between), w["down"].search(between)
            if (a["unit"] != "%" and a["_wan"] is not None and d["_wan"] is not None
                    and len(text[d["_end"]:f["_pos"]]) <= 6 and not re.search(r"[。;；\n]", text[a["_end"]:f["_pos"]])
                    and w["previous_year"].search(between) and bool(up) != bool(down)):
                pct_sign = 1 if w["up"].search(pm.group(0)) else -1 if w["down"].search(pm.group(0)) else None
                add("change", f, a["_wan"], d["_wan"], f["value"], f["_dec"], f"{(up or down).group(0)}…{pm.group(0)}",
                    word_sign=1 if up else -1, stated_sign=pct_sign, x_dec=half(a), y_dec=half(d))
        # a comparison in the words after this figure, up to the next one ("决算数大于年初预算数")
        tail = text[f["_end"]:figs[i + 1]["_pos"] if i + 1 < len(figs) else len(text)]
        cm = w["comparison"].search(tail)
        if cm and last_x is not None and last_y is not None and "\n" not in tail[:cm.start()]:
            add("comparison", last_y, last_x["_wan"], last_y["_wan"], None, None, cm.group(0),
                word_sign=_sign(w, cm.group(0)), x_dec=half(last_x), y_dec=half(last_y))
            last_x = last_y = None
    return out


@functools.cache
def narrative_map() -> list[dict]:
    with open(Path(__file__).with_name("narrative_map.csv"), encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if not r["label_pattern"].startswith("#")]


# ------------------------------------------------------------------ text lines and the table of contents
_TOC_HEAD = re.compile(r"^目\s*录$")
_LEADER = re.compile(r"[.·…。\-—_\s]*\d{0,3}$")
_LIST_MARK = re.compile(r"^([一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[、.．]|(附)?表\d{1,2}[、.．:：\s]?)")


def toc_lines(blocks: list[Block]) -> set[int]:
    """Indexes of the narrative lines that belong to a table of contents: from a "目录" line to the line that
    repeats its first entry (the body starting), at most the "目录" page and the two after it."""
    out: set[int] = set()
    for i, b in enumerate(blocks):
        if not b.cells or not _TOC_HEAD.match(clean(b.cells[0]).replace(" ", "")):
            continue
        first = None
        for j in range(i + 1, len(blocks)):
            bj = blocks[j]
            t = clean(bj.cells[0]).replace(" ", "") if bj.cells else ""
            if not t:
                continue
            if b.src.page is not None and bj.src.page is not None and not (b.src.page <= bj.src.page <= b.src.page + 2):
                if bj.src.page > b.src.page + 2:
                    break
                continue
            entry = _LEADER.sub("", t)
            if first is None:
                first = entry
            elif entry == first:
                break
            if len(t) > 60:
                break
            out.add(j)
        out.add(i)
    return out


def text_lines(seg, toc: set[int]) -> list[dict]:
    """Every text line outside the tables, and every table title, for the text rules (year, placeholders);
    ``toc``: the indexes of the narrative lines of the table of contents (:func:`toc_lines`)."""
    out = []
    for i, b in enumerate(seg.narrative):
        t = clean(b.cells[0]) if b.cells else ""
        if t:
            out.append({"seq": len(out) + 1, "text": t[:500], "page": b.src.page, "line": b.src.line,
                        "src_ref": b.src.ref(), "role": "toc" if i in toc else "text"})
    for t in seg.tables:
        out.append({"seq": len(out) + 1, "text": clean(t.title)[:500], "page": t.title_src.page,
                    "line": t.title_src.line, "src_ref": t.title_src.ref(), "role": "title"})
        for b in t.meta:  # the lines between a title and its grid: "编制单位:…", "单位:万元", "部门:…"
            for j, c in enumerate(b.cells):  # a row of such fields: one line each
                m = clean(c)
                src = b.srcs[j] if j < len(b.srcs) else b.src
                if m:
                    out.append({"seq": len(out) + 1, "text": m[:500], "page": src.page, "line": src.line,
                                "src_ref": src.ref(), "role": "meta"})
    return out


def toc_entries(blocks: list[Block], toc: set[int]) -> list[dict]:
    """The table-of-contents entries that name a table ("三、支出决算表 …… 12"), each with the table type its
    title classifies as (None: the vocabulary does not know the title)."""
    from .registry import classify_title

    out = []
    for i in sorted(toc):
        b = blocks[i]
        line = clean(b.cells[0]).replace(" ", "") if b.cells else ""
        # two entries extracted as one line ("…支出表十、政府性基金预算支出表"): split at each list mark
        for part in re.split(r"(?<=表)(?=[一二三四五六七八九十]+、|\d{1,2}[、.．])", line):
            t = _LIST_MARK.sub("", _LEADER.sub("", part))
            if not t.endswith("表") or len(t) < 4:
                continue
            tt = classify_title(t)
            out.append({"seq": len(out) + 1, "title": t, "table_type": tt.type if tt else None, "page": b.src.page,
                        "line": b.src.line, "src_ref": b.src.ref()})
    return out
