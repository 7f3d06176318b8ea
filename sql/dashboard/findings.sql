SELECT f.severity, f.family, f.rule, f.county, f.department, f.fiscal_year, f.table_type, f.subject, f.measure,
       f.expected, f.actual, f.difference, f.page, f.line, f.cells, f.message, d.source_path
FROM marts.dq_findings f LEFT JOIN core.dim_document d USING (document_id)
WHERE f.is_current  -- findings on superseded versions are counted apart (superseded.sql)
ORDER BY CASE f.severity WHEN 'error' THEN 0 ELSE 1 END, f.family, f.rule, f.county, f.page, f.line;
