INSERT INTO core.fact_performance_target BY NAME SELECT * FROM read_parquet($files, union_by_name = true);
