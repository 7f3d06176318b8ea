-- Findings per run over time, by severity (history carried across builds).
SELECT r.run_id, r.finished_at, r.documents, coalesce(f.severity, 'none') AS severity, count(f.rule) AS findings
FROM dq.runs r LEFT JOIN dq.findings_history f USING (run_id)
GROUP BY ALL ORDER BY r.finished_at;
