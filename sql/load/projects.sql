INSERT INTO core.fact_project_funding BY NAME SELECT * FROM read_parquet($files, union_by_name = true);
