-- The per-document counts of the same documents (a corpus-wide rule's are counted again: corpus_rest.sql and the
-- instances validated now).
CREATE OR REPLACE TEMP TABLE carried_counts AS
SELECT * REPLACE (CAST($run_id AS VARCHAR) AS run_id)
FROM dq.document_rule_results
WHERE document_id IS NOT NULL
  AND rule NOT IN (SELECT rule FROM check_corpus_rule)
  AND document_id NOT IN (SELECT document_id FROM core.check_scope)
  AND document_id IN (SELECT document_id FROM core.dim_document);
