SELECT county, fiscal_year, rule, severity, table_type, subject, measure, expected, actual, difference, page, line,
       message
FROM marts.dq_findings ORDER BY severity, county, rule;
