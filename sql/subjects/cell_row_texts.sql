-- The distinct first cells of the table rows (sql/subjects/cell_rows.sql), each numbered (k): parsed in Python.
SELECT k, cols, texts FROM cell_row_text
