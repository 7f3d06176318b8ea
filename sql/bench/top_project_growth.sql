-- Top 20 subjects by growth of 项目支出 against the year before (the two years' lines only: the year filter is
-- pushed into the view's scan).
WITH t AS (
    SELECT region_code, subject_code, fiscal_year, sum(amount_wan) AS v
    FROM marts.budget_lines
    WHERE measure = '项目支出' AND fiscal_year IN ($year, $year - 1)
    GROUP BY ALL
)
SELECT a.region_code, a.subject_code, a.v - b.v AS growth
FROM t a JOIN t b ON b.region_code = a.region_code AND b.subject_code = a.subject_code
                 AND b.fiscal_year = a.fiscal_year - 1
WHERE a.fiscal_year = $year
ORDER BY growth DESC, a.region_code, a.subject_code LIMIT 20;
