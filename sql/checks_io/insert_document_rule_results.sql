-- Per-document check counts of this run (frame per_doc_df registered by pipelines/checks.py).
INSERT INTO dq.document_rule_results
SELECT run_id, document_id, rule, family, severity, CAST(evaluated AS INTEGER), CAST(failed AS INTEGER)
FROM per_doc_df;
