-- core.subject_key_document: each document's subject codes per classification and year, as printed (a blank name
-- cell too) or resolved (core.subject_resolution): with the codes of core.subject_sighting, the keys of
-- core.dim_subject (sql/subjects/dim_subject.sql). From the rows the subject steps read: every document's ($all: a
-- full build), or the loaded documents' in an incremental one, kept apart as loaded_key_document too
-- (sql/incremental/counts.sql, subject_keys.sql).
CREATE OR REPLACE TEMP MACRO document_keys() AS TABLE
SELECT DISTINCT f.document_id, f.classification, d.fiscal_year,
       CASE WHEN regexp_full_match(f.subject_code, '\d{3}(\d{2}){0,2}') THEN f.subject_code
            ELSE r.subject_code_resolved END AS subject_code
FROM subject_facts f JOIN core.dim_document d USING (document_id)
LEFT JOIN subject_resolved r
       ON r.document_id = f.document_id AND r.table_seq = f.table_seq AND r.row_idx = f.row_idx
      AND r.subject_code IS NOT DISTINCT FROM f.subject_code AND r.subject_name IS NOT DISTINCT FROM f.subject_name
WHERE f.classification IN ('function', 'economic')
  AND (regexp_full_match(f.subject_code, '\d{3}(\d{2}){0,2}') OR r.subject_code_resolved IS NOT NULL);
CREATE OR REPLACE TEMP TABLE loaded_key_document AS SELECT * FROM document_keys() WHERE NOT $all;
INSERT INTO core.subject_key_document SELECT * FROM document_keys() WHERE $all;
INSERT INTO core.subject_key_document SELECT * FROM loaded_key_document;
