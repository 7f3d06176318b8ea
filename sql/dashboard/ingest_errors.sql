SELECT source_path, error_kind, error, hint FROM marts.ingest_errors ORDER BY source_path;
