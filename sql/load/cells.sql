-- (staged_cells: also read by an incremental build for the subject steps, sql/subjects/loaded_cells.sql)
CREATE OR REPLACE TEMP MACRO staged_cells(files) AS TABLE SELECT * FROM read_parquet(files, union_by_name = true);
INSERT INTO core.fact_table_cell BY NAME SELECT * FROM staged_cells($files);
