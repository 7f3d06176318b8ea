-- One rule file's check instances (temp view check_instances) with the difference computed exactly
-- and the excess over the rounding tolerance (what the arithmetic expectations bound by 0), appended to this run's
-- (check_instance, instance_tables.sql), each with its id: the rule file's place ($k) and its row. An instance that cannot
-- be a finding (passed is not false and the excess not over 0: what the expectations accept) comes without its
-- subject, classification, cells and message — only a finding shows them, and they are most of the frame's memory
-- (a full build of 10,000 documents has millions of instances); Great Expectations still decides.
INSERT INTO check_instance BY NAME
SELECT rule, document_id, table_seq, table_type,
       CASE WHEN may_fail THEN CAST(subject AS VARCHAR) END AS subject,
       CASE WHEN may_fail THEN CAST(measure AS VARCHAR) END AS measure, expected, actual, tolerance,
       difference, excess, page, line,
       CASE WHEN may_fail THEN CAST(cells AS VARCHAR) END AS cells, passed,
       CASE WHEN may_fail THEN CAST(message AS VARCHAR) END AS message,
       'c' || CAST($k AS VARCHAR) || '.' || CAST(row_number() OVER () - 1 AS VARCHAR) AS check_id,
       -- an instance the rule could not evaluate (a value it needs is missing: a blank cell, an unmapped sentence)
       -- is 'not evaluated': counted, never 'passed', never a finding
       CASE WHEN cr.value = 'excess'
            THEN expected IS NULL OR actual IS NULL OR coalesce(isnan(CAST(expected AS DOUBLE)), FALSE)
                 OR coalesce(isnan(CAST(actual AS DOUBLE)), FALSE)
            ELSE passed IS NULL END AS not_evaluated
FROM (SELECT *, CAST(actual - expected AS DECIMAL(24, 6)) AS difference,
             CAST(abs(actual - expected) - tolerance AS DOUBLE) AS excess
      FROM check_instances) i
LEFT JOIN check_rule cr USING (rule)
LEFT JOIN (SELECT document_id AS year_of, fiscal_year AS doc_year FROM core.dim_document) y ON y.year_of = i.document_id
CROSS JOIN LATERAL (SELECT coalesce(NOT passed, FALSE) OR coalesce(excess > 0, FALSE) AS may_fail)
WHERE NOT $scoped OR document_id IS NULL OR document_id IN (SELECT document_id FROM core.check_scope)
   -- $scoped (an incremental build): besides the documents it re-checks, a corpus-wide rule's instances on a subject
   -- code (subject, classification in measure) and year (its document's) whose census changed
   OR (rule IN (SELECT rule FROM check_corpus_rule) AND EXISTS (
           SELECT 1 FROM core.check_scope_code k
           WHERE k.classification = i.measure AND k.code = i.subject AND k.fiscal_year IS NOT DISTINCT FROM y.doc_year));
