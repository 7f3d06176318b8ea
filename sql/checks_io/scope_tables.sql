-- An incremental build (pipelines/warehouse.build, after sql/checks_io/scope_views.sql): the re-checked documents'
-- budget facts, subject resolution and sightings in temp tables that chk_fact_budget_amount, chk_subject_resolution
-- and chk_subject_sighting then read. As views over core each rule file reading them scanned every row of the
-- warehouse for the scope's few (ten rule files read the facts; at 10 M facts 0.2 to 0.6 s a rule file). The
-- documents the build loaded have their rows in the build's own tables (as they were loaded into core:
-- sql/subjects/loaded_none.sql); only the scope's other documents (unchanged documents of a department with a change)
-- are read from core, once each table — no scan at all when there are none.
CREATE OR REPLACE TEMP TABLE scope_unloaded AS
SELECT document_id FROM core.check_scope EXCEPT SELECT document_id FROM build_load;
-- scope_rows(the build's table of the rows it loaded, the core table): the scope's rows of that core table
CREATE OR REPLACE TEMP MACRO scope_rows(loaded, whole) AS TABLE
SELECT * FROM query_table(loaded) WHERE document_id IN (SELECT document_id FROM core.check_scope)
UNION ALL
SELECT * FROM query_table(whole) WHERE document_id IN (SELECT document_id FROM scope_unloaded);
CREATE OR REPLACE TEMP TABLE chk_scoped_fact_budget_amount AS
SELECT * FROM scope_rows('subject_facts', 'core.fact_budget_amount');
CREATE OR REPLACE TEMP VIEW chk_fact_budget_amount AS SELECT * FROM chk_scoped_fact_budget_amount;
CREATE OR REPLACE TEMP TABLE chk_scoped_subject_resolution AS
SELECT * FROM scope_rows('subject_resolved', 'core.subject_resolution');
CREATE OR REPLACE TEMP VIEW chk_subject_resolution AS SELECT * FROM chk_scoped_subject_resolution;
CREATE OR REPLACE TEMP TABLE chk_scoped_subject_sighting AS
SELECT * FROM scope_rows('loaded_sighting', 'core.subject_sighting');
CREATE OR REPLACE TEMP VIEW chk_subject_sighting AS SELECT * FROM chk_scoped_subject_sighting;
