-- Performance targets and project funding. The default views keep out the tables the reader may have misread
-- (marts.untrusted_tables: a parse doubt of severity 'error' on the table, or one not tied to a table); a
-- source finding (the document's own figures disagree) keeps its tables in. The _all views keep everything of
-- the current document versions, with `trusted`.
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
