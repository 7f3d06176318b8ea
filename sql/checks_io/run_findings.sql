-- This run's findings by severity.
SELECT severity, count(*) FROM dq.findings WHERE run_id = $run_id GROUP BY severity
