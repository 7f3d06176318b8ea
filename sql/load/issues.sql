INSERT INTO core.parse_issues BY NAME SELECT * FROM read_parquet($files, union_by_name = true);
