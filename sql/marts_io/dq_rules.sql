SELECT r.family, r.rule, r.severity, r.gates, r.evaluated, r.failed, r.description_en
FROM dq.rule_results r
WHERE r.run_id = (SELECT run_id FROM dq.runs ORDER BY finished_at DESC LIMIT 1)
ORDER BY r.family, r.rule;
