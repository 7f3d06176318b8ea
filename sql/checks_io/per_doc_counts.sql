-- This run's check counts per document and rule (per_doc_df, which insert_document_rule_results.sql reads):
-- evaluated, failed (Great Expectations failed it: check_failed) and not evaluated (check_instance.not_evaluated:
-- instances.sql), and an
-- incremental build's corpus-wide instances counted in SQL (check_rest).
CREATE OR REPLACE TEMP TABLE per_doc_df AS
SELECT CAST($run_id AS VARCHAR) AS run_id, i.document_id, i.rule, r.family, r.severity,
       count(*) FILTER (WHERE NOT i.not_evaluated) AS evaluated,
       count(*) FILTER (WHERE NOT i.not_evaluated AND f.check_id IS NOT NULL) AS failed,
       count(*) FILTER (WHERE i.not_evaluated) AS not_evaluated
FROM check_instance i
JOIN check_rule r USING (rule)
LEFT JOIN check_failed f USING (check_id)
GROUP BY ALL
UNION ALL BY NAME
SELECT CAST($run_id AS VARCHAR) AS run_id, x.document_id, x.rule, r.family, r.severity, x.evaluated, x.failed,
       x.not_evaluated
FROM check_rest x JOIN check_rule r USING (rule);
