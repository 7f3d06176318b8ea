-- A full build: the per-key document counts (sql/subjects/count_macros.sql) over every document. An incremental build
-- adjusts them instead (sql/incremental/counts.sql).
INSERT INTO core.subject_key_count SELECT * FROM subject_count_keys('core.subject_key_document', 'core.subject_sighting');
INSERT INTO core.subject_name_count SELECT * FROM subject_count_names('core.subject_sighting');
INSERT INTO core.subject_census_count SELECT * FROM subject_count_census('core.subject_name_document');
