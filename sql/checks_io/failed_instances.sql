-- The instances Great Expectations failed (check_failed) that the rule could evaluate: this run's findings, before
-- pipelines/checks.py gives each its id, severity and message.
SELECT i.rule, i.document_id, i.table_seq, i.table_type, i.subject, i.measure, i.expected, i.actual, i.tolerance,
       i.difference, i.page, i.line, i.cells, i.message, r.family, r.severity, r.kind
FROM check_instance i
JOIN check_rule r USING (rule)
JOIN check_failed f USING (check_id)
WHERE NOT i.not_evaluated
ORDER BY i.check_id;
