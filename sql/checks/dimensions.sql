-- Dimensions: subject codes are 3/5/7 digits (经济分类 3/5), the level matches the length (an own-level code
-- '01' passes once core.subject_resolution completed it), a 款/项's parent is present in the same table, and a
-- printed name is the subject dictionary's (one name per code across the corpus: dimensions_corpus.sql).
WITH s AS (
    SELECT DISTINCT f.document_id, f.table_seq, f.table_type, f.classification, f.subject_code, f.subject_name,
           f.subject_level, min(f.page) OVER w AS page, min(f.line) OVER w AS line,
           -- an own-level code ('01' under 20101) completed by the subject dictionary or its parent row
           CASE WHEN regexp_full_match(f.subject_code, '\d{2}') THEN r.subject_code_resolved END AS completed,
           CASE WHEN regexp_full_match(f.subject_code, '\d{2}') THEN r.subject_code_resolved ELSE f.subject_code END AS code,
           CASE length(f.subject_code) WHEN 3 THEN '类' WHEN 5 THEN '款' WHEN 7 THEN '项' END AS level_of_length
    FROM chk_fact_budget_amount f
    LEFT JOIN chk_subject_resolution r
           ON r.document_id = f.document_id AND r.table_seq = f.table_seq AND r.row_idx = f.row_idx
          AND r.subject_code = f.subject_code AND r.subject_name IS NOT DISTINCT FROM f.subject_name
    WHERE f.classification IN ('function', 'economic') AND f.subject_code IS NOT NULL
    WINDOW w AS (PARTITION BY f.document_id, f.table_seq, f.subject_code)
)
SELECT 'dim_code_shape' AS rule, document_id, table_seq, table_type, subject_code || ' ' || subject_name AS subject,
       classification AS measure, NULL::DECIMAL(24, 6) AS expected, NULL::DECIMAL(24, 6) AS actual,
       NULL::DECIMAL(24, 6) AS tolerance, page, line, NULL AS cells,
       -- (each part its own expression: DuckDB failed to bind the one-expression form on an input without coded rows)
       CASE WHEN classification = 'economic' THEN regexp_full_match(coalesce(completed, subject_code), '\d{3}(\d{2})?')
            ELSE regexp_full_match(coalesce(completed, subject_code), '\d{3}(\d{2}){0,2}') END
       AND (completed IS NOT NULL OR subject_level = level_of_length) AS passed,
       'code ' || subject_code || ' is not a well-formed ' || classification || ' code for level ' || subject_level
           || CASE WHEN regexp_full_match(subject_code, '\d{2}') THEN ' (an own-level code that could not be completed)'
                   ELSE '' END AS message
FROM s
UNION ALL
SELECT 'dim_parent_present', c.document_id, c.table_seq, c.table_type, c.subject_code || ' ' || c.subject_name, c.classification,
       NULL, NULL, NULL, c.page, c.line, NULL,
       p.subject_code IS NOT NULL,
       'parent ' || left(c.subject_code, length(c.subject_code) - 2) || ' of ' || c.subject_code || ' not in the table'
FROM s c LEFT JOIN s p ON p.document_id = c.document_id AND p.table_seq = c.table_seq
                       AND p.subject_code = left(c.subject_code, length(c.subject_code) - 2)
WHERE length(c.subject_code) > 3
UNION ALL
-- A code + name pair printed in a loaded document (any table: chk_subject_sighting) whose name is none of the
-- subject dictionary's preferred names for the code (compared by name key: width, brackets, punctuation and a
-- level suffix folded; the preferred names of every year). A code the dictionary does not know is not judged here.
SELECT 'dim_name_matches_dictionary', g.document_id, g.table_seq, g.table_type, g.code || ' ' || g.name,
       g.classification, NULL, NULL, NULL, g.page, NULL, NULL,
       -- any preferred name of the code passes: the dictionary's years are the years its names were seen in
       -- documents, not an official validity (a 2022 决算 printing the 2025 name 职工基本医疗保险缴费 is no error)
       coalesce(bool_or(r.name_key = g.name_key), FALSE),
       'code ' || g.code || ' is printed as ' || g.name || '; the subject dictionary names it '
           || string_agg(DISTINCT r.name, ' / ' ORDER BY r.name)
FROM chk_subject_sighting g
JOIN core.ref_subject r ON r.classification = g.classification AND r.code = g.code AND r.status = 'preferred'
GROUP BY g.document_id, g.table_seq, g.table_type, g.code, g.name, g.classification, g.page, g.fiscal_year, g.name_key
