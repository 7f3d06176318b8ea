-- $files: staged document.json files. Documents that could not be read, with cause and hint.
INSERT INTO core.ingest_errors BY NAME
SELECT document_id, source_path, sha256, error_kind, error, hint
FROM read_json($files, union_by_name = true, format = 'auto')
WHERE status = 'error';
