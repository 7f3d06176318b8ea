-- $files: staged document.json files of this build. Documents that were read.
INSERT INTO core.dim_document BY NAME
SELECT document_id, source_path, sha256, bytes, file_type, parser_version, region_code, county, region_level,
       province, prefecture, department, department_code, CAST(fiscal_year AS INTEGER) AS fiscal_year, phase, unit,
       CAST(pages AS INTEGER) AS pages, CAST(n_tables AS INTEGER) AS n_tables, CAST(seconds AS DOUBLE) AS seconds
FROM read_json($files, union_by_name = true, format = 'auto')
WHERE status = 'loaded';
