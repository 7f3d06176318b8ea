-- The tables a build's checks fill (temp: this connection's): every check instance of this run (instances.sql
-- appends one rule file's at a time; numbers as DOUBLE, as Great Expectations reads them, but the difference, which
-- instances.sql computes exactly), an incremental build's corpus-wide instances counted in SQL (corpus_rest.sql),
-- the rules (pipelines/checks.py: from expectations/) and which instances Great Expectations failed.
CREATE OR REPLACE TEMP TABLE check_instance (
    rule VARCHAR, document_id VARCHAR, table_seq INTEGER, table_type VARCHAR, subject VARCHAR, measure VARCHAR,
    expected DOUBLE, actual DOUBLE, tolerance DOUBLE, difference DECIMAL(24, 6), excess DOUBLE, page INTEGER,
    line INTEGER, cells VARCHAR, passed BOOLEAN, message VARCHAR, check_id VARCHAR, not_evaluated BOOLEAN);
CREATE OR REPLACE TEMP TABLE check_rest (
    document_id VARCHAR, rule VARCHAR, evaluated BIGINT, failed BIGINT, not_evaluated BIGINT);
CREATE OR REPLACE TEMP TABLE check_rule (
    rule VARCHAR, family VARCHAR, severity VARCHAR, kind VARCHAR, value VARCHAR);
CREATE OR REPLACE TEMP TABLE check_failed (check_id VARCHAR);
