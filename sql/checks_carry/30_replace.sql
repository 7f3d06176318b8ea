-- This run's results replace the previous run's (dq.findings_history keeps every run's findings).
DELETE FROM dq.findings;
DELETE FROM dq.document_rule_results;
DELETE FROM dq.rule_results;
INSERT INTO dq.findings BY NAME SELECT * FROM carried_findings;
INSERT INTO dq.document_rule_results BY NAME SELECT * FROM carried_counts;
DROP TABLE carried_findings;
DROP TABLE carried_counts;
