-- core.subject_name_document: each document's names of each subject code and year (an own-level code '01' as
-- core.subject_resolution completed it), with the first page: the input of the subject-name census
-- (sql/checks/00_macros.sql) and of dim_one_name_per_code. From the rows the subject steps read (subject_facts,
-- subject_resolved: every document's in a full build, $all; the loaded documents' in an incremental one, whose rows
-- are also kept apart as loaded_names for sql/incremental/counts.sql: picking them out of the table again would
-- scan every document's).
CREATE OR REPLACE TEMP MACRO document_names() AS TABLE
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
    GROUP BY ALL
) WHERE code IS NOT NULL;
CREATE OR REPLACE TEMP TABLE loaded_names AS SELECT * FROM document_names() WHERE NOT $all;
INSERT INTO core.subject_name_document SELECT * FROM document_names() WHERE $all;
INSERT INTO core.subject_name_document SELECT * FROM loaded_names;
