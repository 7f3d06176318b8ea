-- Figures quoted in the narrative 情况说明 equal the table figure they name (pipelines/narrative_map.csv,
-- resolved into chk_ref_narrative_target at build time). The tables are the document's own, or those of the
-- table part of its publication (chk_publication_table_source). Amounts are compared in 万元 (a figure in 元 or
-- 亿元 is converted).
-- Blank is not zero: a figure is compared only with a printed value, or with 0 when the whole table is declared
-- empty. Every figure is an instance, so what could not be compared is counted ('not evaluated', never passed):
-- a label the map does not place, a table the document lacks, a blank or absent cell.
-- narrative_unit: the figure agrees with the table only when read in the other unit (万元 written for 元 or
-- the reverse): reported as a unit slip instead of a wrong figure.
WITH f AS (
    SELECT f.*, CASE f.unit WHEN '元' THEN 0.0001 WHEN '亿元' THEN 10000 ELSE 1 END AS to_wan,
           CASE f.unit WHEN '元' THEN 1 WHEN '万元' THEN 0.0001 END AS slip_to_wan,
           coalesce(s.table_document_id, f.document_id) AS table_document_id
    FROM chk_fact_narrative_figure f
    LEFT JOIN chk_publication_table_source s ON s.document_id = f.document_id
),
n AS (
    SELECT f.*, r.target_table, r.target_subject, r.target_measure, r.priority
    FROM f LEFT JOIN chk_ref_narrative_target r ON r.document_id = f.document_id AND r.seq = f.seq
),
tt AS (
    SELECT document_id, table_type, bool_and(coalesce(declared_empty, false)) AS declared_empty
    FROM chk_dim_table GROUP BY ALL
),
m0 AS (
    SELECT n.*, tt.document_id IS NOT NULL AS has_table, coalesce(tt.declared_empty, false) AS declared_empty,
           b.amount_wan, b.decimals, b.src_ref AS cell_ref,
           CAST(n.value * n.to_wan AS DECIMAL(24, 6)) AS expected_wan,
           dq_tol(1, greatest(coalesce(b.decimals, 0), CASE WHEN contains(n.value_text, '.')
                  THEN length(split_part(regexp_extract(n.value_text, '[0-9.]+'), '.', 2)) ELSE 0 END)) AS tol
    FROM n
    LEFT JOIN tt ON tt.document_id = n.table_document_id AND tt.table_type = n.target_table
    LEFT JOIN chk_fact_budget_amount b ON b.document_id = n.table_document_id AND b.table_type = n.target_table
         AND b.measure = n.target_measure
         AND regexp_replace(b.subject_name, '(支出|费用|费)$', '') = regexp_replace(n.target_subject, '(支出|费用|费)$', '')
),
-- one target a figure: the first (map order) with a printed value, else the first of a declared-empty table,
-- else the first (for the not-evaluated reason)
m AS (
    SELECT * FROM m0
    QUALIFY row_number() OVER (PARTITION BY document_id, seq ORDER BY amount_wan IS NULL,
                               NOT (has_table AND declared_empty), priority NULLS LAST, cell_ref) = 1
),
j AS (
    SELECT m.*,
           CASE WHEN amount_wan IS NOT NULL THEN amount_wan WHEN has_table AND declared_empty THEN 0 END AS actual,
           amount_wan IS NOT NULL AND slip_to_wan IS NOT NULL AND abs(expected_wan - amount_wan) > tol
               AND abs(CAST(value * slip_to_wan AS DECIMAL(24, 6)) - amount_wan) <= tol AS unit_slip
    FROM m
)
SELECT 'narrative_vs_table' AS rule, document_id, NULL::INTEGER AS table_seq, coalesce(target_table, '') AS table_type,
       label || coalesce(' → ' || target_subject, '') AS subject, target_measure AS measure,
       expected_wan AS expected, CASE WHEN NOT unit_slip THEN actual END AS actual, tol AS tolerance,
       page, line, src_ref || ' ' || CASE WHEN table_document_id <> document_id
           THEN 'tables in ' || table_document_id || ' ' ELSE '' END || coalesce(cell_ref, '') AS cells,
       NULL::BOOLEAN AS passed,
       CASE WHEN target_table IS NULL THEN 'not evaluated: no table figure is mapped to "' || label || '"'
            WHEN NOT has_table THEN 'not evaluated: the document has no ' || target_table || ' table'
            WHEN unit_slip THEN 'not evaluated here: a unit slip (narrative_unit)'
            WHEN actual IS NULL THEN 'not evaluated: the table cell is blank or absent (blank is no value, not 0)'
       END AS message
FROM j
UNION ALL
SELECT 'narrative_unit', document_id, NULL, target_table, label || ' → ' || target_subject, target_measure,
       NULL, NULL, NULL, page, line, src_ref || ' ' || coalesce(cell_ref, ''),
       NOT unit_slip,
       '"' || value_text || '" in the text, but the table figure is ' || amount_wan || ' 万元: the text''s unit is '
           || CASE unit WHEN '元' THEN '元 where 万元 is meant' ELSE '万元 where 元 is meant' END
FROM j WHERE amount_wan IS NOT NULL AND slip_to_wan IS NOT NULL
