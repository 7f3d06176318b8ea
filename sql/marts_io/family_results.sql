-- Per GX suite (family) results of one run: instances evaluated, findings, findings of gating rules.
-- $run_id NULL: the latest run (the build that made the live file, when a publish left it unchanged).
SELECT family, sum(evaluated), sum(failed), coalesce(sum(failed) FILTER (WHERE gates), 0)
FROM dq.rule_results
WHERE run_id = coalesce($run_id, (SELECT run_id FROM dq.runs ORDER BY finished_at DESC LIMIT 1))
GROUP BY family ORDER BY family;
