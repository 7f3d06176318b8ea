-- Per rule: the sums of this run's per-document counts (computed now or carried by an incremental build).
SELECT rule, sum(evaluated), sum(failed), sum(not_evaluated)
FROM dq.document_rule_results WHERE run_id = $run_id GROUP BY rule
