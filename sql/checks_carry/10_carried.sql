-- An incremental build runs on a copy of the previous warehouse and re-checks only the documents in
-- core.check_scope, and of a corpus-wide rule (check_corpus_rule) the instances on the codes and years whose census
-- changed (core.check_scope_code). Every other current document's findings of the previous run are carried
-- into this run unchanged: their inputs, and so their instances, are the same.
CREATE OR REPLACE TEMP TABLE carried_findings AS
SELECT * REPLACE (CAST($run_id AS VARCHAR) AS run_id)
FROM dq.findings f
WHERE document_id IS NOT NULL
  AND document_id NOT IN (SELECT document_id FROM core.check_scope)
  AND document_id IN (SELECT document_id FROM core.dim_document)
  AND NOT (rule IN (SELECT rule FROM check_corpus_rule)
           AND EXISTS (SELECT 1 FROM core.check_scope_code k JOIN core.dim_document d
                                 ON d.fiscal_year IS NOT DISTINCT FROM k.fiscal_year
                       WHERE d.document_id = f.document_id AND k.classification = f.measure AND k.code = f.subject));
