"""Three everyday questions answered on the warehouse with DuckDB + Polars.

    .venv/bin/python examples/analyst_questions.py [data/warehouse/budget.duckdb]

Use `.pl()` (Polars keeps DECIMAL as Decimal) or `.fetchall()` (Python Decimal). Do not use `.df()`: pandas turns
the exact DECIMAL amounts into floats (15415.77 becomes 15415.770000000001 after arithmetic).
"""
from __future__ import annotations

import sys

import duckdb
import polars as pl

pl.Config.set_tbl_cols(-1)
pl.Config.set_tbl_width_chars(200)


def answers(warehouse: str) -> dict[str, pl.DataFrame]:
    con = duckdb.connect(warehouse, read_only=True)
    try:
        # 1. How much did each department budget and spend in all, and on basic / project expenditure?
        #    One row per publication: summing over departments never counts a figure twice.
        totals = con.sql("""
            SELECT county, department, fiscal_year, phase, expenditure_total_wan, basic_expenditure_wan,
                   project_expenditure_wan, expenditure_total_source, expenditure_total_agrees
            FROM marts.department_totals ORDER BY region_code, department, fiscal_year, phase""").pl()
        # 2. Expenditure by 功能分类 类 per county and year (支出总表, 类 rows, column 合计).
        by_lei = con.sql("""
            SELECT county, fiscal_year, subject_code, any_value(subject_name) AS subject_name,
                   sum(amount_wan) AS amount_wan
            FROM marts.budget_lines
            WHERE table_type = 'expenditure' AND subject_level = '类' AND canonical_measure = '合计'
            GROUP BY county, fiscal_year, subject_code ORDER BY county, fiscal_year, subject_code""").pl()
        # 3. Which current documents fail their own arithmetic, and on which rules?
        failing = con.sql("""
            SELECT d.county, d.department, d.fiscal_year, f.rule, count(*) AS findings
            FROM marts.dq_findings f JOIN marts.documents d USING (document_id)
            WHERE f.is_current AND f.severity = 'error'
            GROUP BY ALL ORDER BY ALL""").pl()
    finally:
        con.close()
    return {"department totals": totals, "expenditure by 类": by_lei, "failing documents": failing}


if __name__ == "__main__":
    for title, frame in answers(sys.argv[1] if len(sys.argv) > 1 else "data/warehouse/budget.duckdb").items():
        print(f"## {title}")
        print(frame)
