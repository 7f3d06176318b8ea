-- The table rows (sql/subjects/cell_rows.sql) with the number (k) of their distinct first cells.
SELECT * FROM cell_row
