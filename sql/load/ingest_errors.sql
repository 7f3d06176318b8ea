-- staged_documents: the staged document.json records. Documents that could not be read, with cause and hint.
INSERT INTO core.ingest_errors BY NAME
SELECT document_id, source_path, sha256, error_kind, error, hint
FROM staged_documents
WHERE status = 'error';
