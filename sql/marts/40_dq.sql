CREATE OR REPLACE VIEW marts.dq_findings AS
SELECT f.document_id, d.county, d.department, d.fiscal_year, f.table_seq, f.rule, f.family, f.severity, f.table_type,
       f.subject, f.measure, f.expected, f.actual, f.difference, f.tolerance, f.page, f.line, f.cells, f.message,
       f.run_id, f.checked_at, f.finding_id, f.kind,
       coalesce(v.is_current, TRUE) AS is_current  -- FALSE: the finding is on a superseded version of a document
FROM dq.findings f LEFT JOIN core.dim_document d USING (document_id) LEFT JOIN core.document_version v USING (document_id);

CREATE OR REPLACE VIEW marts.ingest_errors AS SELECT * FROM core.ingest_errors;

CREATE OR REPLACE VIEW marts.coverage AS
SELECT d.region_code, d.county, d.department, d.fiscal_year, d.phase, t.table_type,
       CASE WHEN t.declared_empty THEN 'declared_empty' ELSE t.status END AS status,
       t.document_id, coalesce(v.is_current, TRUE) AS is_current  -- FALSE: a table of a superseded version
FROM core.dim_table t JOIN core.dim_document d USING (document_id) LEFT JOIN core.document_version v USING (document_id);
