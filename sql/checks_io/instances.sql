-- One rule file's check instances (temp view check_instances) with the difference computed exactly
-- and the excess over the rounding tolerance (what the arithmetic expectations bound by 0).
SELECT rule, document_id, table_seq, table_type, CAST(subject AS VARCHAR) AS subject,
       CAST(measure AS VARCHAR) AS measure, expected, actual, tolerance,
       CAST(actual - expected AS DECIMAL(24, 6)) AS difference,
       CAST(abs(actual - expected) - tolerance AS DOUBLE) AS excess,
       page, line, CAST(cells AS VARCHAR) AS cells, passed, CAST(message AS VARCHAR) AS message
FROM check_instances
WHERE NOT $scoped OR document_id IS NULL OR document_id IN (SELECT document_id FROM core.check_scope)
   -- $scoped (an incremental build): besides the documents it re-checks, a corpus-wide rule's instances whose subject
   -- code (subject, classification in measure) a new, changed or removed document prints
   OR (rule IN (SELECT rule FROM check_corpus_rule)
       AND EXISTS (SELECT 1 FROM core.check_scope_code k WHERE k.classification = measure AND k.code = subject));
