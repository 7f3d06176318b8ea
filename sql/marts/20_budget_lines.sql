-- Every published amount, long form, of the current version of each document. budget_lines_all includes
-- documents whose dq_status is 'fail'; budget_lines (the default) keeps those documents out: one table that
-- does not add up puts the document's other tables in doubt too (they are the same figures, cut differently).
-- canonical_measure is NULL for a column whose published header (kept in measure and header_path) the
-- vocabulary does not know yet; reconciliation uses canonical measures only.
-- synthetic: the line comes from a forged test document (never published); analysts filter on it.
-- source_method: 'text' (text layer / export) or 'ocr' (read from the page image), ocr_confidence beside it.
-- budget_lines_history: every version, superseded ones included, with version and superseded_by.
-- subject_code_resolved / code_source: see core.subject_resolution (a name-only or own-level row's code from the
-- subject dictionary; NULL where it stays unresolved).
CREATE OR REPLACE VIEW marts.budget_lines_history AS
SELECT f.document_id, d.version, d.versions, d.is_current, d.superseded_by, d.region_code, d.county,
       d.department, d.fiscal_year, d.phase, d.dq_status, d.synthetic,
       f.table_seq, f.table_type, t.title AS table_title, f.classification, f.subject_code, f.subject_name,
       f.subject_level, f.side, f.parent_item, f.measure, f.canonical_measure, f.header_path, f.amount_wan,
       f.amount AS amount_published,
       r.subject_code_resolved, r.code_source,  -- the code the row stands for: printed | dictionary | context
       f.unit AS unit_published, f.amount_text, f.page, f.line, f.row_idx, f.col_idx, f.src_ref,
       coalesce(f.source_method, 'text') AS source_method, f.ocr_confidence
FROM core.fact_budget_amount f
JOIN marts.documents d USING (document_id)
LEFT JOIN core.dim_table t USING (document_id, table_seq)
LEFT JOIN core.subject_resolution r  -- pipelines/subjects.py: subject_code stays as printed
       ON r.document_id = f.document_id AND r.table_seq = f.table_seq AND r.row_idx = f.row_idx
      AND r.subject_code IS NOT DISTINCT FROM f.subject_code AND r.subject_name IS NOT DISTINCT FROM f.subject_name;

CREATE OR REPLACE VIEW marts.budget_lines_all AS
SELECT * EXCLUDE (version, versions, is_current, superseded_by) FROM marts.budget_lines_history WHERE is_current;

CREATE OR REPLACE VIEW marts.budget_lines AS
SELECT * FROM marts.budget_lines_all WHERE dq_status <> 'fail';
