-- The staged documents the live warehouse was built from.
SELECT document_id, staged_name, record_sha, source_path FROM core.build_documents
