INSERT INTO core.fact_table_cell BY NAME SELECT * FROM read_parquet($files, union_by_name = true);
