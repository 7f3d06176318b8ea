-- The per-key document counts (core.subject_key_count, subject_name_count, subject_census_count: sql/ddl/10_core.sql)
-- of the documents in some tables of subject rows (named by their names): every document's in a full build
-- (counts_all.sql), the loaded and the removed documents' in an incremental one (sql/incremental/counts.sql,
-- sql/incremental/remove/10_keys.sql). A key is (classification, code, year); a document prints it when its codes
-- (core.subject_key_document) or its code + name sightings (core.subject_sighting) hold it.
CREATE OR REPLACE TEMP MACRO subject_count_keys(key_rows, sighting_rows) AS TABLE
SELECT classification, subject_code, fiscal_year, count(DISTINCT document_id) AS n_documents
FROM (SELECT document_id, classification, subject_code, fiscal_year FROM query_table(key_rows)
      UNION
      SELECT document_id, classification, code, fiscal_year FROM query_table(sighting_rows))
GROUP BY ALL;
CREATE OR REPLACE TEMP MACRO subject_count_names(sighting_rows) AS TABLE
SELECT classification, code, fiscal_year, name, count(DISTINCT document_id) AS n_documents
FROM query_table(sighting_rows) GROUP BY ALL;
CREATE OR REPLACE TEMP MACRO subject_count_census(name_rows) AS TABLE
SELECT code, classification, fiscal_year, subject_name, count(DISTINCT document_id) AS n_documents
FROM query_table(name_rows) GROUP BY ALL;
