-- The corpus scoreboard: one row per loaded document (every distinct content), what it is and how much of
-- it was read. "Standard tables" are the registry's budget / final-accounts tables (kinds subject,
-- pair_summary, three_public), recognised by their titles; a table type counts as read when a table of
-- that type produced facts, is declared empty, is printed empty (status printed_empty: a grid with its header
-- words and not one digit), or has rows that print no number at all but 栏次 column
-- numbers (a header and a blank 合计 row: empty without saying so). A title with no rows under it, or a table
-- with figures or subject codes and no facts, is not read. Parameters: none.
WITH tables AS (
    SELECT t.document_id, t.table_seq, t.table_type, t.kind, t.status, t.declared_empty,
           (SELECT count(*) FROM core.fact_budget_amount f
             WHERE f.document_id = t.document_id AND f.table_seq = t.table_seq) AS n_facts,
           (SELECT count(*) FROM core.fact_table_cell c
             WHERE c.document_id = t.document_id AND c.table_seq = t.table_seq
               AND regexp_matches(replace(c.text, ' ', ''), '^[-(（]?[0-9][0-9,，]*(\.[0-9]{1,6})?[)）]?$')
               AND NOT regexp_matches(c.text, '^[0-9]{1,2}$')) AS n_figures,
           t.n_rows
    FROM core.dim_table t
    WHERE t.kind IN ('subject', 'pair_summary', 'three_public')
),
types AS (
    SELECT document_id, table_type,
           bool_or(status = 'printed_empty' OR status IN ('parsed', 'declared_empty') AND (n_facts > 0 OR declared_empty OR (n_rows > 0 AND n_figures = 0))) AS is_read
    FROM tables GROUP BY document_id, table_type
),
doc_types AS (
    SELECT document_id, count(*) AS types_present, count(*) FILTER (WHERE is_read) AS types_read,
           string_agg(table_type, ',' ORDER BY table_type) FILTER (WHERE NOT is_read) AS types_not_read
    FROM types GROUP BY document_id
),
issues AS (
    SELECT document_id,
           count(*) FILTER (WHERE severity = 'error') AS parse_errors,
           count(*) FILTER (WHERE rule IN ('unknown_header', 'pair_header_unmapped')) AS unknown_headers,
           string_agg(DISTINCT rule, ',' ORDER BY rule) FILTER (WHERE severity = 'error') AS error_rules
    FROM core.parse_issues GROUP BY document_id
),
recon AS (
    SELECT document_id, sum(evaluated - failed) AS recon_passed, sum(failed) AS recon_failed
    FROM dq.document_rule_results
    WHERE family IN ('arithmetic', 'cross_table', 'narrative')
    GROUP BY document_id
),
facts AS (
    SELECT document_id, count(*) AS budget_facts FROM core.fact_budget_amount GROUP BY document_id
),
targets AS (
    SELECT document_id, count(*) AS target_facts FROM core.fact_performance_target GROUP BY document_id
),
dup AS (
    SELECT document_id, count(*) AS n_tables_all FROM core.dim_table GROUP BY document_id
)
SELECT d.document_id, d.source_path, d.department, d.region_code, d.fiscal_year, d.phase, d.pages,
       coalesce(dt.types_present, 0) AS types_present, coalesce(dt.types_read, 0) AS types_read,
       dt.types_not_read,
       coalesce(fa.budget_facts, 0) AS budget_facts, coalesce(tg.target_facts, 0) AS target_facts,
       coalesce(i.parse_errors, 0) AS parse_errors, coalesce(i.unknown_headers, 0) AS unknown_headers,
       i.error_rules,
       coalesce(r.recon_passed, 0) AS recon_passed, coalesce(r.recon_failed, 0) AS recon_failed,
       coalesce(dup.n_tables_all, 0) AS n_tables
FROM core.dim_document d
LEFT JOIN doc_types dt USING (document_id)
LEFT JOIN issues i USING (document_id)
LEFT JOIN recon r USING (document_id)
LEFT JOIN facts fa USING (document_id)
LEFT JOIN targets tg USING (document_id)
LEFT JOIN dup USING (document_id)
ORDER BY d.source_path;
