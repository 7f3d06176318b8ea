-- Every published amount, long form, of the current version of each document (project funding of the
-- 项目支出绩效目标表 included: table_type perf_project, classification project_funding).
-- budget_lines (the default) shows what was published with its warnings: it keeps out only the tables the reader
-- may have misread (parse_doubt: a parse doubt of severity 'error', marts.untrusted_tables); a line the
-- publisher's own figures contradict stays in with finding_ids (the dq.findings / marts.dq_findings ids that
-- point at its cell) and the document keeps its dq_status. budget_lines_all includes the doubtful tables too.
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
       f.subject_level, f.side, f.parent_item, f.measure, f.canonical_measure, f.header_path,
       -- money only (value_kind 'money', or 'unknown' for a column the vocabulary does not know); a percentage
       -- or a quantity is in value / value_unit (vocab/measures.csv kind, unit)
       CASE WHEN coalesce(k.kind, 'money') = 'money' THEN f.amount_wan END AS amount_wan,
       CASE WHEN f.canonical_measure IS NULL THEN 'unknown' ELSE coalesce(k.kind, 'money') END AS value_kind,
       CASE WHEN k.kind IN ('percent', 'quantity') THEN f.amount END AS value,
       CASE WHEN k.kind IN ('percent', 'quantity')  -- a quantity's unit is printed in its row label: 房屋(平方米)
            THEN coalesce(k.unit, nullif(regexp_extract(f.subject_name, '[(（]([^()（）]+)[)）]$', 1), '')) END
           AS value_unit,
       f.amount AS amount_published,
       r.subject_code_resolved, r.code_source,  -- the code the row stands for: printed | dictionary | context
       f.unit AS unit_published, f.amount_text, f.page, f.line, f.row_idx, f.col_idx, f.src_ref,
       coalesce(f.source_method, 'text') AS source_method, f.ocr_confidence,
       coalesce(lf.finding_ids, []::VARCHAR[]) AS finding_ids, u.table_seq IS NOT NULL AS parse_doubt
FROM core.fact_budget_amount f
JOIN marts.documents d ON d.document_id = f.document_id
LEFT JOIN (SELECT document_id, table_seq, row_idx, col_idx, list(DISTINCT finding_id ORDER BY finding_id) AS finding_ids
           FROM marts.line_findings GROUP BY ALL) lf
       ON lf.document_id = f.document_id AND lf.table_seq = f.table_seq AND lf.row_idx = f.row_idx
      AND lf.col_idx = f.col_idx
LEFT JOIN marts.untrusted_tables u ON u.document_id = f.document_id AND u.table_seq = f.table_seq
LEFT JOIN core.dim_table t ON t.document_id = f.document_id AND t.table_seq = f.table_seq
LEFT JOIN core.ref_measure k ON k.table_type = f.table_type AND k.measure = f.canonical_measure
LEFT JOIN core.subject_resolution r  -- pipelines/subjects.py: subject_code stays as printed
       ON r.document_id = f.document_id AND r.table_seq = f.table_seq AND r.row_idx = f.row_idx
      AND r.subject_code IS NOT DISTINCT FROM f.subject_code AND r.subject_name IS NOT DISTINCT FROM f.subject_name;

CREATE OR REPLACE VIEW marts.budget_lines_all AS
SELECT * EXCLUDE (version, versions, is_current, superseded_by) FROM marts.budget_lines_history WHERE is_current;

CREATE OR REPLACE VIEW marts.budget_lines AS
SELECT * EXCLUDE (parse_doubt) FROM marts.budget_lines_all WHERE NOT parse_doubt;
