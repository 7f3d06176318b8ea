INSERT INTO core.fact_narrative_claim BY NAME SELECT * FROM read_parquet($files, union_by_name = true);
