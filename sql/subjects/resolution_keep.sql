-- An incremental build: the loaded documents' resolution, kept apart for the steps after (sql/subjects/loaded_none.sql).
INSERT INTO subject_resolved SELECT * FROM chunk_resolution
