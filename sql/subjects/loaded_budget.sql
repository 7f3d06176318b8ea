-- An incremental build: the budget facts it loads ($files, as sql/load/budget.sql loaded them) for the subject steps.
INSERT INTO subject_facts BY NAME SELECT * FROM staged_budget($files);
