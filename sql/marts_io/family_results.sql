-- Per GX suite (family) results of one run: instances evaluated, findings, findings of gating rules.
SELECT family, sum(evaluated), sum(failed), coalesce(sum(failed) FILTER (WHERE gates), 0)
FROM dq.rule_results WHERE run_id = $run_id GROUP BY family ORDER BY family;
