-- An incremental build: the instances of a corpus-wide rule that instances.sql leaves out (their document is not
-- re-checked and the census of their code and year did not change: their inputs, and so the instances, are the
-- previous run's),
-- counted per document. They are evaluated in SQL (a corpus-wide rule is a `passed` rule: failed = passed is false)
-- and their findings are the previous run's (sql/checks_carry/10_carried.sql).
SELECT document_id, rule, count(passed) AS evaluated, count(*) FILTER (WHERE NOT passed) AS failed,
       count(*) FILTER (WHERE passed IS NULL) AS not_evaluated
FROM check_instances i
LEFT JOIN (SELECT document_id AS year_of, fiscal_year AS doc_year FROM core.dim_document) y ON y.year_of = i.document_id
WHERE rule IN (SELECT rule FROM check_corpus_rule)
  AND document_id IS NOT NULL AND document_id NOT IN (SELECT document_id FROM core.check_scope)
  AND NOT EXISTS (SELECT 1 FROM core.check_scope_code k
                  WHERE k.classification = i.measure AND k.code = i.subject AND k.fiscal_year IS NOT DISTINCT FROM y.doc_year)
GROUP BY ALL
