-- An incremental build runs on a copy of the previous warehouse and re-checks only the documents in
-- core.check_scope (and the corpus-wide rules, check_corpus_rule). Every other current document's findings of the
-- previous run are carried into this run unchanged: its inputs, and so its instances, are the same.
CREATE OR REPLACE TEMP TABLE carried_findings AS
SELECT * REPLACE (CAST($run_id AS VARCHAR) AS run_id)
FROM dq.findings
WHERE document_id IS NOT NULL
  AND rule NOT IN (SELECT rule FROM check_corpus_rule)
  AND document_id NOT IN (SELECT document_id FROM core.check_scope)
  AND document_id IN (SELECT document_id FROM core.dim_document);
