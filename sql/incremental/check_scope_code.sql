-- An incremental build: the subject codes of the documents that are new, changed or removed, as printed
-- and as resolved: a corpus-wide rule re-evaluates its instances on these codes (sql/checks_io/instances.sql).
CREATE OR REPLACE TABLE core.check_scope_code AS
SELECT classification, code FROM build_codes
UNION
SELECT classification, subject_code FROM core.fact_budget_amount
WHERE ($all OR document_id IN (SELECT document_id FROM build_load)) AND subject_code IS NOT NULL
UNION
SELECT f.classification, r.subject_code_resolved
FROM core.subject_resolution r JOIN core.fact_budget_amount f
  ON f.document_id = r.document_id AND f.table_seq = r.table_seq AND f.row_idx = r.row_idx
WHERE ($all OR r.document_id IN (SELECT document_id FROM build_load)) AND r.subject_code_resolved IS NOT NULL
