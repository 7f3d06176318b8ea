-- The other tables' subject rows in table order: walked in Python (pipelines/subjects.resolve_table).
SELECT document_id, table_seq, row_idx, classification, subject_code, subject_name, subject_level, fiscal_year
FROM resolution_input WHERE NOT all_printed
ORDER BY document_id, table_seq, row_idx
