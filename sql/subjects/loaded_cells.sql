-- An incremental build: the table cells it loads ($files, as sql/load/cells.sql loaded them) for the subject steps.
INSERT INTO subject_cells BY NAME SELECT * FROM staged_cells($files);
