-- Figures quoted in the narrative 情况说明 equal the table figure they name (pipelines/narrative_map.csv,
-- resolved into core.ref_narrative_target at build time). Unmapped figures are not checked. The tables are the
-- document's own, or those of the table part of its publication (core.publication_table_source).
WITH n AS (
    SELECT f.*, r.target_table, r.target_subject, r.target_measure,
           coalesce(s.table_document_id, f.document_id) AS table_document_id
    FROM core.fact_narrative_figure f
    JOIN core.ref_narrative_target r ON r.document_id = f.document_id AND r.seq = f.seq
    LEFT JOIN core.publication_table_source s ON s.document_id = f.document_id
)
SELECT 'narrative_vs_table' AS rule, n.document_id, NULL::INTEGER AS table_seq, n.target_table AS table_type,
       n.label || ' → ' || n.target_subject AS subject, n.target_measure AS measure,
       n.value AS expected,
       coalesce(b.amount_wan, 0) AS actual,  -- a blank or absent cell is a published zero
       dq_tol(1, greatest(coalesce(b.decimals, 0), CASE WHEN contains(n.value_text, '.')
             THEN length(split_part(regexp_extract(n.value_text, '[0-9.]+'), '.', 2)) ELSE 0 END)) AS tolerance,
       n.page, n.line, n.src_ref || ' ' || CASE WHEN n.table_document_id <> n.document_id
           THEN 'tables in ' || n.table_document_id || ' ' ELSE '' END || coalesce(b.src_ref, '') AS cells, NULL::BOOLEAN AS passed, NULL AS message
FROM n
LEFT JOIN core.dim_table t ON t.document_id = n.table_document_id AND t.table_type = n.target_table
LEFT JOIN core.fact_budget_amount b ON b.document_id = n.table_document_id AND b.table_type = n.target_table
     AND b.measure = n.target_measure
     AND regexp_replace(b.subject_name, '(支出|费用|费)$', '') = regexp_replace(n.target_subject, '(支出|费用|费)$', '')
WHERE t.document_id IS NOT NULL
