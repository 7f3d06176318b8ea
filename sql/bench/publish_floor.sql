-- bench/warehouse.py's publish floor: the new documents' facts and cells written into new tables of a copy of the
-- warehouse ($budget, $cells: their staged Parquet files), as they are — no unit conversion, no append to the big
-- tables, nothing derived, no checks. What any build that publishes one new file of the warehouse must at least write.
CREATE OR REPLACE TABLE floor_budget AS SELECT * FROM read_parquet($budget, union_by_name = true);
CREATE OR REPLACE TABLE floor_cells AS SELECT * FROM read_parquet($cells, union_by_name = true);
