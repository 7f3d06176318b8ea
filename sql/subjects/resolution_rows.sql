-- Subject rows of the function and economic tables: the input of the code resolution (pipelines/subjects.resolve),
-- with whether every row of the row's table prints a full code (3, 5 or 7 ASCII digits: then each row resolves to
-- its own code, resolution_printed.sql; the other tables are walked in order in Python, resolution_walk.sql).
CREATE OR REPLACE TEMP TABLE resolution_input AS
WITH r AS (
    SELECT f.document_id, f.table_seq, f.row_idx, f.classification, f.subject_code, f.subject_name, f.subject_level,
           d.fiscal_year
    FROM subject_facts f JOIN core.dim_document d USING (document_id)
    WHERE f.classification IN ('function', 'economic') AND coalesce(f.subject_level, '') NOT IN ('total', 'table_total', 'unit')
      -- 'item': a row named without a code (深圳's 基本支出总表 prints economic names only) is resolved by name
      AND ($all OR f.document_id IN (SELECT unnest(CAST($documents AS VARCHAR[])))) -- (these documents: a chunk, an incremental build's)
    GROUP BY ALL
)
SELECT *, bool_and(coalesce(regexp_full_match(subject_code, '[0-9]{3}([0-9]{2}){0,2}'), false))
              OVER (PARTITION BY document_id, table_seq) AS all_printed
FROM r
