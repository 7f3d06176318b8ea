-- What the parser itself was unsure of or could not read (chk_parse_issues) becomes a finding:
-- severity 'error' issues (unreadable tables, unparseable amounts, unresolved metadata) gate the document.
SELECT CASE severity WHEN 'error' THEN 'parse_error' ELSE 'parse_warning' END AS rule, document_id, table_seq, coalesce(table_type, 'document') AS table_type, rule AS subject,
       NULL AS measure, NULL::DECIMAL(24, 6) AS expected, NULL::DECIMAL(24, 6) AS actual,
       NULL::DECIMAL(24, 6) AS tolerance, page, line, src_ref AS cells, FALSE AS passed, message
FROM chk_parse_issues
WHERE rule NOT IN ('indicator_blank')  -- reported by perf_target_parse
