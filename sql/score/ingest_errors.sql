-- Files of the scored folder that were not read at all (the scoreboard lists them with their cause).
SELECT document_id, source_path, error_kind, error FROM core.ingest_errors ORDER BY source_path;
