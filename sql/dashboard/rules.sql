-- Pass rate per rule in the latest run.
SELECT family, rule, severity, gates, evaluated, failed,
       CASE WHEN evaluated = 0 THEN NULL ELSE round(100.0 * (evaluated - failed) / evaluated, 1) END AS pass_rate,
       description_en, description_zh
FROM dq.rule_results
WHERE run_id = (SELECT run_id FROM dq.runs ORDER BY finished_at DESC LIMIT 1)
ORDER BY family, rule;
