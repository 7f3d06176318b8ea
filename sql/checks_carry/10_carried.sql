-- An incremental build runs on a copy of the previous warehouse and re-checks only the documents in
-- core.check_scope, and of a corpus-wide rule (check_corpus_rule) the instances on the codes and years whose census
-- changed (core.check_scope_code). Every other current document's findings of the previous run are carried
-- into this run unchanged: their inputs, and so their instances, are the same.
CREATE OR REPLACE TEMP TABLE carried_findings AS
SELECT f.* REPLACE (CAST($run_id AS VARCHAR) AS run_id)
FROM dq.findings f
LEFT JOIN (SELECT document_id AS year_of, fiscal_year AS doc_year FROM core.dim_document) y ON y.year_of = f.document_id
WHERE document_id IS NOT NULL
  AND document_id NOT IN (SELECT document_id FROM core.check_scope)
  AND document_id IN (SELECT document_id FROM core.dim_document)
  AND NOT (rule IN (SELECT rule FROM check_corpus_rule)
           AND EXISTS (SELECT 1 FROM core.check_scope_code k
                       WHERE k.classification = f.measure AND k.code = f.subject
                         AND k.fiscal_year IS NOT DISTINCT FROM y.doc_year));
