INSERT INTO core.fact_toc_entry BY NAME SELECT * FROM read_parquet($files, union_by_name = true);
