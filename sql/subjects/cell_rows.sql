-- The first cells of every table row, with the document's year and path: where code + name pairs are printed
-- (pipelines/subjects.sighting_frame). Cells past $max_col cannot hold a subject's code or name.
-- pipelines/subjects.pairs_from_row reads a row's cells up to its first name (the first cell with a CJK character once
-- cleaned), never past it: each row's cells are cut after the first cell printing a CJK unified ideograph
-- (U+4E00-U+9FFF, which cleaning keeps: that cell is the first name or after it), so that rows printing the same code
-- and name in the same columns (every document's, whatever their amounts) are one distinct row, parsed once (a row
-- with no such cell is kept whole). cell_row: the rows, each with the number (k) of its distinct cells in cell_row_text.
CREATE OR REPLACE TEMP TABLE cell_row AS
WITH r AS (
    SELECT c.document_id, d.source_path, d.fiscal_year, c.table_seq, t.table_type, c.row_idx,
           min(c.page) AS page, list(c.col_idx ORDER BY c.col_idx) AS cols, list(c.text ORDER BY c.col_idx) AS texts
    FROM subject_cells c
    JOIN core.dim_document d USING (document_id)
    LEFT JOIN core.dim_table t USING (document_id, table_seq)
    WHERE c.col_idx < $max_col AND c.text IS NOT NULL AND c.text <> ''
      -- an incremental build: its new documents (a semi-join: list_contains per row costs twice the scan)
      AND ($all OR c.document_id IN (SELECT unnest(CAST($documents AS VARCHAR[]))))
    GROUP BY ALL
), cut AS (
    SELECT *, coalesce(list_position(list_transform(texts, lambda x: regexp_matches(x, '[\x{4e00}-\x{9fff}]')), true),
                       len(texts)) AS n
    FROM r
)
SELECT * EXCLUDE (n) REPLACE (list_slice(cols, 1, n) AS cols, list_slice(texts, 1, n) AS texts) FROM cut;
CREATE OR REPLACE TEMP TABLE cell_row_text AS
SELECT row_number() OVER () AS k, cols, texts FROM (SELECT DISTINCT cols, texts FROM cell_row);
CREATE OR REPLACE TEMP TABLE cell_row AS
SELECT r.* EXCLUDE (cols, texts), t.k FROM cell_row r JOIN cell_row_text t USING (cols, texts);
