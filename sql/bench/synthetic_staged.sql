-- bench/warehouse.py's synthetic corpus staged as Parquet, partitioned by document (sql/bench/synthetic_shape.sql
-- made its tables): the budget facts to $budget; the table cells to $cells, a header row, then each subject row's
-- code, name and amounts as printed; the tables to $tables. Documents $first to $first + $docs - 1, $f and $e as there.
COPY (
    SELECT printf('%016x', d) AS document_id, table_seq, table_type, classification, code AS subject_code,
           name AS subject_name,
           level AS subject_level, NULL::VARCHAR AS side, NULL::VARCHAR AS parent_item, measure,
           CAST(amount AS DECIMAL(20, 6)) AS amount, format('{:,.2f}', amount) AS amount_text, 2 AS decimals,
           '万元' AS unit, 2 + j AS row_idx, 1 + k AS col_idx, table_seq * 10 + j // 40 AS page,
           NULL::INTEGER AS line, printf('p%d.t0.r%d.c%d', table_seq * 10 + j // 40, 2 + j, 1 + k) AS src_ref
    FROM facts
) TO $budget (FORMAT parquet, PARTITION_BY (document_id), OVERWRITE_OR_IGNORE);
COPY (
    SELECT printf('%016x', d) AS document_id, table_seq, row_idx, col_idx, text,
           table_seq * 10 + greatest(row_idx - 2, 0) // 40 AS page, NULL::INTEGER AS line,
           0 AS src_table, row_idx AS src_row, col_idx AS src_col,
           printf('p%d.t0.r%d.c%d', table_seq * 10 + greatest(row_idx - 2, 0) // 40, row_idx, col_idx) AS src_ref,
           'text' AS source_method, NULL::DOUBLE AS ocr_confidence
    FROM (
        SELECT d, table_seq, 2 + j AS row_idx, 0 AS col_idx, code AS text FROM facts WHERE k = 1
        UNION ALL
        SELECT d, table_seq, 2 + j, 1, name FROM facts WHERE k = 1
        UNION ALL
        SELECT d, table_seq, 2 + j, 1 + k, format('{:,.2f}', amount) FROM facts
        UNION ALL
        SELECT d, table_seq, 1, c, h
        FROM range($first, $first + $docs) r(d), tables t,
             unnest(['科目编码', '科目名称'] || t.measures) WITH ORDINALITY AS x(h, c1), (SELECT c1 - 1 AS c)
    )
) TO $cells (FORMAT parquet, PARTITION_BY (document_id), OVERWRITE_OR_IGNORE);
COPY (
    SELECT printf('%016x', d) AS document_id, table_seq, table_type, 'subject' AS kind,
           '2026年部门' || table_type || '表' AS title, table_seq * 10 AS first_page,
           CAST(table_seq * 10 AS VARCHAR) AS pages, NULL::INTEGER AS line,
           2 + CASE classification WHEN 'function' THEN $f ELSE $e END AS n_rows, false AS declared_empty,
           '万元' AS unit, 'parsed' AS status
    FROM range($first, $first + $docs) r(d), tables
) TO $tables (FORMAT parquet, PARTITION_BY (document_id), OVERWRITE_OR_IGNORE);
