-- Data-quality results. dq.findings: this build's findings; dq.findings_history: every run's, carried over builds.
CREATE TABLE dq.runs (
    run_id VARCHAR PRIMARY KEY, started_at TIMESTAMP, finished_at TIMESTAMP,
    documents INTEGER, errors INTEGER, facts BIGINT, findings INTEGER, gx_success BOOLEAN, data_docs VARCHAR
);
CREATE TABLE dq.findings (
    run_id VARCHAR, checked_at TIMESTAMP, document_id VARCHAR, table_seq INTEGER, rule VARCHAR, family VARCHAR, severity VARCHAR,
    table_type VARCHAR, subject VARCHAR, measure VARCHAR,
    expected DECIMAL(24, 6), actual DECIMAL(24, 6), difference DECIMAL(24, 6), tolerance DECIMAL(24, 6),
    page INTEGER, line INTEGER, cells VARCHAR, message VARCHAR,
    -- finding_id: stable across builds (rule, document, table, subject, measure, cells); kind: 'parse_doubt' (we may
    -- have misread: the table's lines leave the default views) | 'source' (the publisher's own figures disagree:
    -- the lines stay, flagged with this id)
    finding_id VARCHAR, kind VARCHAR
);
CREATE TABLE dq.findings_history AS SELECT * FROM dq.findings LIMIT 0;
CREATE TABLE dq.rule_results (
    run_id VARCHAR, rule VARCHAR, family VARCHAR, severity VARCHAR, gates BOOLEAN, evaluated INTEGER, failed INTEGER,
    success BOOLEAN, description_en VARCHAR, description_zh VARCHAR,
    not_evaluated INTEGER, kind VARCHAR  -- instances the rule could not evaluate (a value missing): never 'passed'
);
-- Per document and rule: how many check instances were evaluated and how many failed (this build).
-- The corpus scoreboard (`cnbudget score`) reads reconciliation passed / failed from here.
CREATE TABLE dq.document_rule_results (
    run_id VARCHAR, document_id VARCHAR, rule VARCHAR, family VARCHAR, severity VARCHAR, evaluated INTEGER, failed INTEGER,
    not_evaluated INTEGER
);
