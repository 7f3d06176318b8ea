-- One row per document and rule: a corpus-wide rule's counts of an incremental build come in two parts (the
-- instances validated now and those counted in SQL, corpus_rest.sql).
CREATE OR REPLACE TEMP TABLE merged_counts AS
SELECT run_id, document_id, rule, family, severity, CAST(sum(evaluated) AS INTEGER) AS evaluated,
       CAST(sum(failed) AS INTEGER) AS failed, CAST(sum(not_evaluated) AS INTEGER) AS not_evaluated
FROM dq.document_rule_results GROUP BY ALL;
DELETE FROM dq.document_rule_results;
INSERT INTO dq.document_rule_results BY NAME SELECT * FROM merged_counts;
DROP TABLE merged_counts;
