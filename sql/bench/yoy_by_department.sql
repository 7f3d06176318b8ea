-- Year-over-year change of total expenditure by department.
WITH t AS (
    SELECT region_code, department, fiscal_year, sum(amount_wan) AS total
    FROM marts.budget_lines WHERE table_type = 'expenditure' AND measure = '合计' GROUP BY ALL
)
SELECT a.region_code, a.department, a.total AS this_year, b.total AS last_year, a.total - b.total AS change
FROM t a JOIN t b ON b.region_code = a.region_code AND b.department = a.department AND b.fiscal_year = a.fiscal_year - 1
WHERE a.fiscal_year = $year;
