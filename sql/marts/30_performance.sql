-- Performance targets and project funding. The default views keep out the tables that cannot be trusted:
-- a table with a gating (severity 'error') finding of its own, or any table of a document with a gating
-- finding that is not tied to one table (cross-table, unreadable document). The _all views keep everything
-- of the current document versions.
CREATE OR REPLACE VIEW marts.untrusted_tables AS
SELECT DISTINCT t.document_id, t.table_seq
FROM core.dim_table t
JOIN dq.findings f ON f.document_id = t.document_id AND f.severity = 'error'
                  AND (f.table_seq = t.table_seq OR f.table_seq IS NULL);

CREATE OR REPLACE VIEW marts.performance_targets_all AS
SELECT p.document_id, d.region_code, d.county, d.department, d.fiscal_year, d.dq_status, d.synthetic, p.table_seq, p.scope,
       p.project, p.level1, p.level2, p.level3, p.description, p.target_text, p.comparator, p.target_value,
       p.target_unit, p.target_parsed, p.basis, p.parse_note, p.page, p.line, p.src_ref,
       u.table_seq IS NULL AS trusted
FROM core.fact_performance_target p JOIN marts.documents d USING (document_id)
LEFT JOIN marts.untrusted_tables u USING (document_id, table_seq)
WHERE d.is_current;

CREATE OR REPLACE VIEW marts.performance_targets AS
SELECT * EXCLUDE (trusted) FROM marts.performance_targets_all WHERE trusted;

CREATE OR REPLACE VIEW marts.projects_all AS
SELECT p.document_id, d.region_code, d.county, d.department, d.fiscal_year, d.dq_status, d.synthetic, p.table_seq, p.project,
       p.implementing_unit, p.total_wan, p.appropriation_wan, p.carryover_wan, p.other_wan,
       p.has_funding_block, p.page, p.line, u.table_seq IS NULL AS trusted
FROM core.fact_project_funding p JOIN marts.documents d USING (document_id)
LEFT JOIN marts.untrusted_tables u USING (document_id, table_seq)
WHERE d.is_current;

CREATE OR REPLACE VIEW marts.projects AS
SELECT * EXCLUDE (trusted) FROM marts.projects_all WHERE trusted;
