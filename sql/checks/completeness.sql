-- Completeness: a document that publishes its phase's standard table set (预算: 收支总表 …; 决算: 收入支出决算总表 …)
-- must contain every mandatory table of that phase (core.ref_mandatory_table), or declare it empty ("空表列示").
WITH set_docs AS (
    SELECT DISTINCT t.document_id, d.phase FROM core.dim_table t JOIN core.dim_document d USING (document_id)
    WHERE t.table_type IN ('income_expense_summary', 'revenue', 'expenditure', 'fiscal_summary', 'gpb_expenditure',
                           'final_summary', 'final_expenditure', 'final_gpb_expenditure')
)
SELECT 'completeness_mandatory_table' AS rule, b.document_id, NULL::INTEGER AS table_seq, m.table_type,
       m.name_zh AS subject, NULL AS measure,
       NULL::DECIMAL(24, 6) AS expected, NULL::DECIMAL(24, 6) AS actual, NULL::DECIMAL(24, 6) AS tolerance,
       NULL::INTEGER AS page, NULL::INTEGER AS line, NULL AS cells,
       t.document_id IS NOT NULL AS passed, 'mandatory table missing: ' || m.name_zh AS message
FROM set_docs b JOIN core.ref_mandatory_table m ON m.phase = b.phase
LEFT JOIN (SELECT DISTINCT document_id, table_type FROM core.dim_table) t
       ON t.document_id = b.document_id AND t.table_type = m.table_type
