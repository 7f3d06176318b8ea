-- The first cells of every table row, with the document's year and path: where code + name pairs are printed.
-- Cells past $max_col cannot hold a subject's code or name.
SELECT c.document_id, d.source_path, d.fiscal_year, c.table_seq, t.table_type, c.row_idx,
       min(c.page) AS page, list(c.col_idx ORDER BY c.col_idx) AS cols, list(c.text ORDER BY c.col_idx) AS texts
FROM subject_cells c
JOIN core.dim_document d USING (document_id)
LEFT JOIN core.dim_table t USING (document_id, table_seq)
WHERE c.col_idx < $max_col AND c.text IS NOT NULL AND c.text <> ''
  AND ($all OR list_contains(CAST($documents AS VARCHAR[]), c.document_id))  -- an incremental build: its new documents
GROUP BY ALL
