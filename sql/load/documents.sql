-- staged_documents: the staged document.json records of this build (a frame registered by the loader).
-- Documents that were read or classified (a file that is no PDF at all is a document of kind 'not_pdf').
INSERT INTO core.dim_document BY NAME
SELECT document_id, source_path, sha256, bytes, file_type, parser_version, region_code, county, region_level,
       province, prefecture, department, department_code, fiscal_year, phase, department_printed, document_kind,
       metadata_source, unit, pages, n_tables, seconds, coalesce(synthetic, FALSE) AS synthetic,
       coalesce(copy_protected, FALSE) AS copy_protected,
       TRY_CAST(published_at AS DATE) AS published_at,
       CAST(source_mtime AS TIMESTAMP) AS source_mtime
FROM staged_documents
WHERE status = 'loaded';
