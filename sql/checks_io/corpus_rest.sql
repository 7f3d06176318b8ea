-- An incremental build: the instances of a corpus-wide rule that instances.sql leaves out (their document is not
-- re-checked and the census of their code and year did not change: their inputs, and so the instances, are the
-- previous run's),
-- counted per document. They are evaluated in SQL (a corpus-wide rule is a `passed` rule: failed = passed is false)
-- and their findings are the previous run's (sql/checks_carry/10_carried.sql).
SELECT document_id, rule, count(passed) AS evaluated, count(*) FILTER (WHERE NOT passed) AS failed,
       count(*) FILTER (WHERE passed IS NULL) AS not_evaluated
FROM check_instances
WHERE rule IN (SELECT rule FROM check_corpus_rule)
  AND document_id IS NOT NULL AND document_id NOT IN (SELECT document_id FROM core.check_scope)
  AND NOT EXISTS (SELECT 1 FROM core.check_scope_code k JOIN core.dim_document d ON d.fiscal_year IS NOT DISTINCT FROM k.fiscal_year
                  WHERE d.document_id = check_instances.document_id AND k.classification = check_instances.measure
                    AND k.code = check_instances.subject)
GROUP BY ALL
