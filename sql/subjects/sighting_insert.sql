-- A chunk of documents' code + name sightings (pipelines/subjects.sighting_frame, registered as chunk_sighting) into
-- core.subject_sighting.
INSERT INTO core.subject_sighting
SELECT document_id, table_seq, table_type, classification, code, name, key, fiscal_year, page FROM chunk_sighting;
