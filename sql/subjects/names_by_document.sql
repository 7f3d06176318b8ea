-- core.subject_name_document: each document's names of each subject code and year (an own-level code '01' as
-- core.subject_resolution completed it), with the first page: the input of the subject-name census
-- (sql/checks/00_macros.sql) and of dim_one_name_per_code. Per document: every document ($all: a full build) or the
-- documents an incremental build loads ($documents).
INSERT INTO core.subject_name_document
SELECT * FROM (
    SELECT f.document_id,
           CASE WHEN regexp_full_match(f.subject_code, '\d{2}') THEN r.subject_code_resolved ELSE f.subject_code END AS code,
           f.classification, d.fiscal_year, f.subject_name, min(f.page) AS page
    FROM subject_facts f
    LEFT JOIN subject_resolved r
           ON r.document_id = f.document_id AND r.table_seq = f.table_seq AND r.row_idx = f.row_idx
          AND r.subject_code = f.subject_code AND r.subject_name IS NOT DISTINCT FROM f.subject_name
    JOIN core.dim_document d ON d.document_id = f.document_id
    WHERE f.classification IN ('function', 'economic') AND f.subject_code IS NOT NULL
      AND ($all OR list_contains($documents, f.document_id))
    GROUP BY ALL
) WHERE code IS NOT NULL;
