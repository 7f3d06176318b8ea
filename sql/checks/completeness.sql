-- Completeness: a document whose kind carries the standard table set (budget / unit_budget: 收支总表 …;
-- final_accounts: 收入支出决算总表 …) must contain every mandatory table of its phase (core.ref_mandatory_table),
-- or declare it empty ("空表列示"), or publish the same figures as an accepted alternative table
-- (vocab/mandatory_alternatives.csv). The other kinds are classified, not incomplete: a narrative-only file (情况说明
-- without its tables), performance targets only, an evaluation report, a non-budget file, a file that is no PDF.
WITH set_docs AS (
    SELECT document_id, phase FROM chk_dim_document
    WHERE document_kind IN ('budget', 'unit_budget', 'final_accounts') AND phase IS NOT NULL
)
SELECT 'completeness_mandatory_table' AS rule, b.document_id, NULL::INTEGER AS table_seq, m.table_type,
       m.name_zh AS subject, NULL AS measure,
       NULL::DECIMAL(24, 6) AS expected, NULL::DECIMAL(24, 6) AS actual, NULL::DECIMAL(24, 6) AS tolerance,
       NULL::INTEGER AS page, NULL::INTEGER AS line, NULL AS cells,
       t.document_id IS NOT NULL OR EXISTS (
           -- the same figures published as another table (vocab/mandatory_alternatives.csv)
           SELECT 1 FROM core.ref_mandatory_alternative a JOIN chk_fact_budget_amount f
               ON f.table_type = a.alternative_type AND (a.required_measure IS NULL OR f.canonical_measure = a.required_measure)
           WHERE a.phase = b.phase AND a.table_type = m.table_type AND f.document_id = b.document_id) AS passed,
       'mandatory table missing: ' || m.name_zh AS message
FROM set_docs b JOIN core.ref_mandatory_table m ON m.phase = b.phase
LEFT JOIN (SELECT DISTINCT document_id, table_type FROM chk_dim_table) t
       ON t.document_id = b.document_id AND t.table_type = m.table_type
