-- The resolution of one chunk's documents (resolution_printed.sql and pipelines/subjects.resolve_table) joins the rest.
INSERT INTO core.subject_resolution SELECT * FROM chunk_resolution
