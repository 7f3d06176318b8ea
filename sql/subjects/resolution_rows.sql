-- Subject rows of the function and economic tables in table order: the input of the code resolution.
SELECT f.document_id, f.table_seq, f.row_idx, f.classification, f.subject_code, f.subject_name, f.subject_level,
       d.fiscal_year
FROM core.fact_budget_amount f JOIN core.dim_document d USING (document_id)
WHERE f.classification IN ('function', 'economic') AND coalesce(f.subject_level, '') NOT IN ('total', 'table_total', 'unit')
  -- 'item': a row named without a code (深圳's 基本支出总表 prints economic names only) is resolved by name
  AND ($all OR list_contains(CAST($documents AS VARCHAR[]), f.document_id))  -- an incremental build: its new documents
GROUP BY ALL
ORDER BY f.document_id, f.table_seq, f.row_idx
