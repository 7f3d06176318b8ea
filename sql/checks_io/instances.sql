-- One rule file's check instances (temp view check_instances) with the difference computed exactly
-- and the excess over the rounding tolerance (what the arithmetic expectations bound by 0).
SELECT rule, document_id, table_seq, table_type, CAST(subject AS VARCHAR) AS subject,
       CAST(measure AS VARCHAR) AS measure, expected, actual, tolerance,
       CAST(actual - expected AS DECIMAL(24, 6)) AS difference,
       CAST(abs(actual - expected) - tolerance AS DOUBLE) AS excess,
       page, line, CAST(cells AS VARCHAR) AS cells, passed, CAST(message AS VARCHAR) AS message
FROM check_instances
-- $scoped (an incremental build): the documents it re-checks, the corpus-wide rules, and instances of no document
WHERE NOT $scoped OR document_id IS NULL OR rule IN (SELECT rule FROM check_corpus_rule)
   OR document_id IN (SELECT document_id FROM core.check_scope);
