-- Cross-county roll-up by 类 for one year.
SELECT left(subject_code, 3) AS lei, count(DISTINCT region_code) AS counties, sum(amount_wan) AS total_wan
FROM marts.budget_lines
WHERE fiscal_year = $year AND measure = '合计' AND classification = 'function' AND table_type = 'expenditure'
GROUP BY 1 ORDER BY 1;
