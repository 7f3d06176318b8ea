-- Completeness: a department budget document that publishes the standard table set must contain every
-- mandatory table (core.ref_mandatory_table), or declare it empty ("空表列示").
WITH budget_docs AS (
    SELECT DISTINCT document_id FROM core.dim_table
    WHERE table_type IN ('income_expense_summary', 'revenue', 'expenditure', 'fiscal_summary', 'gpb_expenditure')
)
SELECT 'completeness_mandatory_table' AS rule, b.document_id, NULL::INTEGER AS table_seq, m.table_type, m.name_zh AS subject, NULL AS measure,
       NULL::DECIMAL(24, 6) AS expected, NULL::DECIMAL(24, 6) AS actual, NULL::DECIMAL(24, 6) AS tolerance,
       NULL::INTEGER AS page, NULL::INTEGER AS line, NULL AS cells,
       t.document_id IS NOT NULL AS passed, 'mandatory table missing: ' || m.name_zh AS message
FROM budget_docs b CROSS JOIN core.ref_mandatory_table m
LEFT JOIN (SELECT DISTINCT document_id, table_type FROM core.dim_table) t
       ON t.document_id = b.document_id AND t.table_type = m.table_type
