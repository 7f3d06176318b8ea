-- An incremental build: the instances of a corpus-wide rule that instances.sql leaves out (their document is not
-- re-checked and no changed document prints their code: their inputs, and so the instances, are the previous run's),
-- counted per document. They are evaluated in SQL (a corpus-wide rule is a `passed` rule: failed = passed is false)
-- and their findings are the previous run's (sql/checks_carry/10_carried.sql).
SELECT document_id, rule, count(passed) AS evaluated, count(*) FILTER (WHERE NOT passed) AS failed,
       count(*) FILTER (WHERE passed IS NULL) AS not_evaluated
FROM check_instances
WHERE rule IN (SELECT rule FROM check_corpus_rule)
  AND document_id IS NOT NULL AND document_id NOT IN (SELECT document_id FROM core.check_scope)
  AND NOT EXISTS (SELECT 1 FROM core.check_scope_code k WHERE k.classification = measure AND k.code = subject)
GROUP BY ALL
