-- Code + name pairs of the normalised budget facts (classification from the table's type).
SELECT f.document_id, d.source_path, d.fiscal_year, f.table_seq, f.table_type, f.classification,
       f.subject_code, f.subject_name, min(f.page) AS page
FROM subject_facts f JOIN core.dim_document d USING (document_id)
WHERE f.classification IN ('function', 'economic') AND f.subject_code IS NOT NULL
  AND ($all OR f.document_id IN (SELECT unnest(CAST($documents AS VARCHAR[])))) -- (these documents: a chunk, an incremental build's)
GROUP BY ALL
