-- The rows the subject steps read, an incremental build: the budget facts and table cells of the documents it loads,
-- read again from their staged files (loaded_budget.sql, loaded_cells.sql) into tables of their own: picking them
-- out of the whole fact table costs a scan of every row (0.3-0.9 s at 10 M facts, per step). Empty to begin with.
CREATE OR REPLACE TEMP TABLE subject_facts AS SELECT * FROM core.fact_budget_amount LIMIT 0;
CREATE OR REPLACE TEMP TABLE subject_cells AS SELECT * FROM core.fact_table_cell LIMIT 0;
-- (the loaded documents' subject resolution and code + name sightings: filled by pipelines/subjects.register,
-- resolution_keep.sql, sighting_keep.sql)
CREATE OR REPLACE TEMP TABLE subject_resolved AS SELECT * FROM core.subject_resolution LIMIT 0;
CREATE OR REPLACE TEMP TABLE loaded_sighting AS SELECT * FROM core.subject_sighting LIMIT 0;
