-- Keep every earlier run's findings and run records (prev = the live warehouse, attached read-only).
INSERT INTO dq.findings_history BY NAME SELECT * FROM prev.dq.findings_history;
INSERT INTO dq.runs BY NAME SELECT * FROM prev.dq.runs;
