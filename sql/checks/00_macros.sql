-- Rounding tolerance: each of n published figures rounded to d decimals may be off by half a unit
-- in its last place, so a sum of n terms compared with a published total may differ by n/2 units.
CREATE OR REPLACE MACRO dq_tol(n, d) AS CAST((n) * 0.5 * pow(10, -(d)) AS DECIMAL(24, 6));
-- A name without its bracketed parts ("深圳市医疗保障局(本级)" → "深圳市医疗保障局").
CREATE OR REPLACE MACRO dq_unbracketed(x) AS regexp_replace(x, '[(（][^)）]*[)）]', '', 'g');

-- Each document's names of each subject code and year (an own-level code '01' as core.subject_resolution completed
-- it), with the first page; and per code and year across the documents: how many names, the name most documents
-- print, all names. dim_one_name_per_code compares the two; an incremental build re-evaluates that rule on the codes
-- whose census changed (pipelines/warehouse.build).
CREATE OR REPLACE TEMP VIEW subject_names_by_document AS
SELECT * FROM (
    SELECT f.document_id,
           CASE WHEN regexp_full_match(f.subject_code, '\d{2}') THEN r.subject_code_resolved ELSE f.subject_code END AS code,
           f.classification, d.fiscal_year, f.subject_name, min(f.page) AS page
    FROM core.fact_budget_amount f
    LEFT JOIN core.subject_resolution r
           ON r.document_id = f.document_id AND r.table_seq = f.table_seq AND r.row_idx = f.row_idx
          AND r.subject_code = f.subject_code AND r.subject_name IS NOT DISTINCT FROM f.subject_name
    JOIN core.dim_document d ON d.document_id = f.document_id
    WHERE f.classification IN ('function', 'economic') AND f.subject_code IS NOT NULL
    GROUP BY ALL
) WHERE code IS NOT NULL;
CREATE OR REPLACE TEMP VIEW subject_name_census AS
SELECT code, classification, fiscal_year, count(*) AS n_names,
       first(subject_name ORDER BY docs DESC, subject_name) AS mode_name,
       string_agg(subject_name, ' / ' ORDER BY subject_name) AS all_names
FROM (SELECT code, classification, fiscal_year, subject_name, count(*) AS docs FROM subject_names_by_document GROUP BY ALL)
GROUP BY ALL;
