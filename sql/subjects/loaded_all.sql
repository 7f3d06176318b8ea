-- The rows the subject steps (pipelines/subjects.py, names_by_document.sql, keys_by_document.sql) read, a full build:
-- every document's budget facts and table cells. (An incremental build reads only the documents it loads:
-- loaded_none.sql, loaded_budget.sql, loaded_cells.sql.)
CREATE OR REPLACE TEMP VIEW subject_facts AS SELECT * FROM core.fact_budget_amount;
CREATE OR REPLACE TEMP VIEW subject_cells AS SELECT * FROM core.fact_table_cell;
CREATE OR REPLACE TEMP VIEW subject_resolved AS SELECT * FROM core.subject_resolution;
