-- An incremental build (pipelines/warehouse.build): build_removed holds the documents that are gone or changed.
-- Their departments (region + department, as the previous build identified them) are re-checked.
INSERT INTO build_keys
SELECT DISTINCT region_code, department FROM core.dim_document
WHERE document_id IN (SELECT document_id FROM build_removed) AND region_code IS NOT NULL AND department IS NOT NULL;
-- The subject names of the documents that leave (core.subject_name_document): the census before the change is taken
-- on their codes and the new documents' (sql/incremental/check_scope_code.sql).
CREATE TEMP TABLE removed_names AS
SELECT * FROM core.subject_name_document WHERE document_id IN (SELECT document_id FROM build_removed);
-- The subject keys (classification, code, year) the documents that leave print: their core.dim_subject rows are
-- derived again after the load (sql/subjects/dim_subject.sql), with the loaded documents' keys.
INSERT INTO build_subject_keys
SELECT classification, subject_code, fiscal_year FROM core.subject_key_document
WHERE document_id IN (SELECT document_id FROM build_removed)
UNION
SELECT classification, code, fiscal_year FROM core.subject_sighting
WHERE document_id IN (SELECT document_id FROM build_removed);
-- The removed documents' per-key document counts (sql/subjects/count_macros.sql), taken off the previous build's by
-- sql/incremental/counts.sql.
CREATE OR REPLACE TEMP VIEW removed_key_document AS
SELECT * FROM core.subject_key_document WHERE document_id IN (SELECT document_id FROM build_removed);
CREATE OR REPLACE TEMP VIEW removed_sighting AS
SELECT * FROM core.subject_sighting WHERE document_id IN (SELECT document_id FROM build_removed);
CREATE TEMP TABLE removed_key_count AS SELECT * FROM subject_count_keys('removed_key_document', 'removed_sighting');
CREATE TEMP TABLE removed_name_count AS SELECT * FROM subject_count_names('removed_sighting');
CREATE TEMP TABLE removed_census_count AS SELECT * FROM subject_count_census('removed_names');
