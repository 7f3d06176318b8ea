-- findings_df: the failed check instances of this run (a temp table of dq.findings' columns, pipelines/checks.run_checks).
INSERT INTO dq.findings BY NAME
SELECT run_id, checked_at, document_id, CAST(table_seq AS INTEGER) AS table_seq, rule, family, severity, table_type, CAST(subject AS VARCHAR) AS subject,
       CAST(measure AS VARCHAR) AS measure, CAST(expected AS DECIMAL(24, 6)) AS expected,
       CAST(actual AS DECIMAL(24, 6)) AS actual, CAST(difference AS DECIMAL(24, 6)) AS difference,
       CAST(tolerance AS DECIMAL(24, 6)) AS tolerance, CAST(page AS INTEGER) AS page, CAST(line AS INTEGER) AS line,
       CAST(cells AS VARCHAR) AS cells, message, finding_id, kind
FROM findings_df;
INSERT INTO dq.findings_history BY NAME SELECT * FROM dq.findings;
