-- Per-document check counts of this run (temp table per_doc_df: per_doc_counts.sql): evaluated
-- (both values present), failed, and not_evaluated (a value the rule needs is missing — never counted as passed).
INSERT INTO dq.document_rule_results BY NAME
SELECT run_id, document_id, rule, family, severity, CAST(evaluated AS INTEGER) AS evaluated,
       CAST(failed AS INTEGER) AS failed, CAST(not_evaluated AS INTEGER) AS not_evaluated
FROM per_doc_df;
