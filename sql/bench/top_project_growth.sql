-- Top 20 subjects by growth of 项目支出 against the year before.
WITH t AS (
    SELECT region_code, subject_code, fiscal_year, sum(amount_wan) AS v
    FROM marts.budget_lines WHERE measure = '项目支出' GROUP BY ALL
)
SELECT a.region_code, a.subject_code, a.v - b.v AS growth
FROM t a JOIN t b USING (region_code, subject_code)
WHERE b.fiscal_year = a.fiscal_year - 1 AND a.fiscal_year = $year
ORDER BY growth DESC LIMIT 20;
