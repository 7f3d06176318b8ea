-- Tables whose every subject row prints a full code: each row is resolved to its printed code.
INSERT INTO core.subject_resolution
SELECT document_id, table_seq, row_idx, subject_code, subject_name, subject_code, 'printed', NULL
FROM resolution_input WHERE all_printed
