-- What the rules (sql/checks/*.sql) read of the per-document tables: chk_<table> is core.<table>, restricted in an
-- incremental build (variable check_scoped) to the documents it re-checks (core.check_scope: the new and changed
-- documents and every document of their departments), so that a rule's SQL reads those documents only. A rule
-- that compares documents with each other does so within a department (a publication's parts and versions, budget
-- and final accounts), which the scope keeps whole. The corpus-wide rule (dimensions_corpus.sql) reads core itself.
-- In a full build the restriction folds away (getvariable is a constant). An incremental build then replaces the
-- views of the facts, subject resolution and sightings by temp tables of the scope's rows (scope_tables.sql).
CREATE OR REPLACE TEMP VIEW chk_fact_budget_amount AS SELECT * FROM core.fact_budget_amount
WHERE NOT getvariable('check_scoped') OR document_id IN (SELECT document_id FROM core.check_scope);
CREATE OR REPLACE TEMP VIEW chk_dim_document AS SELECT * FROM core.dim_document
WHERE NOT getvariable('check_scoped') OR document_id IN (SELECT document_id FROM core.check_scope);
CREATE OR REPLACE TEMP VIEW chk_dim_table AS SELECT * FROM core.dim_table
WHERE NOT getvariable('check_scoped') OR document_id IN (SELECT document_id FROM core.check_scope);
CREATE OR REPLACE TEMP VIEW chk_subject_resolution AS SELECT * FROM core.subject_resolution
WHERE NOT getvariable('check_scoped') OR document_id IN (SELECT document_id FROM core.check_scope);
CREATE OR REPLACE TEMP VIEW chk_subject_sighting AS SELECT * FROM core.subject_sighting
WHERE NOT getvariable('check_scoped') OR document_id IN (SELECT document_id FROM core.check_scope);
CREATE OR REPLACE TEMP VIEW chk_publication_table_source AS SELECT * FROM core.publication_table_source
WHERE NOT getvariable('check_scoped') OR document_id IN (SELECT document_id FROM core.check_scope);
CREATE OR REPLACE TEMP VIEW chk_ref_narrative_target AS SELECT * FROM core.ref_narrative_target
WHERE NOT getvariable('check_scoped') OR document_id IN (SELECT document_id FROM core.check_scope);
CREATE OR REPLACE TEMP VIEW chk_parse_issues AS SELECT * FROM core.parse_issues
WHERE NOT getvariable('check_scoped') OR document_id IN (SELECT document_id FROM core.check_scope);
CREATE OR REPLACE TEMP VIEW chk_fact_text_line AS SELECT * FROM core.fact_text_line
WHERE NOT getvariable('check_scoped') OR document_id IN (SELECT document_id FROM core.check_scope);
CREATE OR REPLACE TEMP VIEW chk_fact_performance_target AS SELECT * FROM core.fact_performance_target
WHERE NOT getvariable('check_scoped') OR document_id IN (SELECT document_id FROM core.check_scope);
CREATE OR REPLACE TEMP VIEW chk_fact_narrative_claim AS SELECT * FROM core.fact_narrative_claim
WHERE NOT getvariable('check_scoped') OR document_id IN (SELECT document_id FROM core.check_scope);
CREATE OR REPLACE TEMP VIEW chk_document_version AS SELECT * FROM core.document_version
WHERE NOT getvariable('check_scoped') OR document_id IN (SELECT document_id FROM core.check_scope);
CREATE OR REPLACE TEMP VIEW chk_fact_toc_entry AS SELECT * FROM core.fact_toc_entry
WHERE NOT getvariable('check_scoped') OR document_id IN (SELECT document_id FROM core.check_scope);
CREATE OR REPLACE TEMP VIEW chk_fact_project_funding AS SELECT * FROM core.fact_project_funding
WHERE NOT getvariable('check_scoped') OR document_id IN (SELECT document_id FROM core.check_scope);
CREATE OR REPLACE TEMP VIEW chk_fact_narrative_figure AS SELECT * FROM core.fact_narrative_figure
WHERE NOT getvariable('check_scoped') OR document_id IN (SELECT document_id FROM core.check_scope);
