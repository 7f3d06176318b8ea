INSERT INTO core.dim_table BY NAME SELECT * FROM read_parquet($files, union_by_name = true);
