-- An incremental build: the loaded documents' sightings, kept apart for the steps after (sql/subjects/loaded_none.sql).
INSERT INTO loaded_sighting
SELECT document_id, table_seq, table_type, classification, code, name, key, fiscal_year, page FROM chunk_sighting;
