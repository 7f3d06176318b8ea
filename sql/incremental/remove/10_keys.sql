-- An incremental build (pipelines/warehouse.build): build_removed holds the documents that are gone or changed.
-- Their departments (region + department, as the previous build identified them) are re-checked.
INSERT INTO build_keys
SELECT DISTINCT region_code, department FROM core.dim_document
WHERE document_id IN (SELECT document_id FROM build_removed) AND region_code IS NOT NULL AND department IS NOT NULL;

-- The subject codes they print (as printed and as resolved): a corpus-wide rule's instances on these codes are
-- evaluated again.
INSERT INTO build_codes
SELECT classification, subject_code FROM core.fact_budget_amount
WHERE document_id IN (SELECT document_id FROM build_removed) AND subject_code IS NOT NULL
UNION
SELECT f.classification, r.subject_code_resolved
FROM core.subject_resolution r JOIN core.fact_budget_amount f
  ON f.document_id = r.document_id AND f.table_seq = r.table_seq AND f.row_idx = r.row_idx
WHERE r.document_id IN (SELECT document_id FROM build_removed) AND r.subject_code_resolved IS NOT NULL;
