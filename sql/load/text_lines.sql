INSERT INTO core.fact_text_line BY NAME SELECT * FROM read_parquet($files, union_by_name = true);
