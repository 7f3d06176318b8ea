-- Tables whose every subject row prints a full code: each row is resolved to its printed code. (chunk_resolution: the
-- resolution of the documents of one chunk, appended to core.subject_resolution by resolution_append.sql.)
CREATE OR REPLACE TEMP TABLE chunk_resolution AS SELECT * FROM core.subject_resolution LIMIT 0;
INSERT INTO chunk_resolution
SELECT document_id, table_seq, row_idx, subject_code, subject_name, subject_code, 'printed', NULL
FROM resolution_input WHERE all_printed
