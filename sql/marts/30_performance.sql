CREATE OR REPLACE VIEW marts.performance_targets_all AS
SELECT p.document_id, d.region_code, d.county, d.department, d.fiscal_year, d.dq_status, p.scope, p.project,
       p.level1, p.level2, p.level3, p.description, p.target_text, p.comparator, p.target_value, p.target_unit,
       p.target_parsed, p.basis, p.parse_note, p.page, p.line, p.src_ref
FROM core.fact_performance_target p JOIN marts.documents d USING (document_id);

CREATE OR REPLACE VIEW marts.performance_targets AS
SELECT * FROM marts.performance_targets_all WHERE dq_status <> 'fail';

CREATE OR REPLACE VIEW marts.projects AS
SELECT p.document_id, d.region_code, d.county, d.department, d.fiscal_year, d.dq_status, p.project,
       p.implementing_unit, p.total_wan, p.appropriation_wan, p.carryover_wan, p.other_wan,
       p.has_funding_block, p.page, p.line
FROM core.fact_project_funding p JOIN marts.documents d USING (document_id)
WHERE d.dq_status <> 'fail';
