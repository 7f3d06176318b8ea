-- 决算 tables. final_completion_rate: a published 完成预算% equals 决算数 ÷ 年初预算数 × 100, rounded to its
-- published decimals (the amounts' own rounding is allowed for). item_table_sum: in item tables without codes
-- ("三公"经费 budget and final), the 合计 row equals the sum of the item rows, per column.
WITH f AS (
    SELECT document_id, table_seq, table_type, subject_code, subject_name, parent_item, row_idx, measure, amount_wan, decimals,
           page, line, src_ref
    FROM chk_fact_budget_amount
    WHERE canonical_measure IS NOT NULL  -- reconciliation runs on canonical measures only
),
rate AS (
    SELECT p.document_id, p.table_seq, p.table_type, coalesce(p.subject_code || ' ', '') || p.subject_name AS subject,
           p.amount_wan AS published, p.decimals AS d, b.amount_wan AS budget, a.amount_wan AS final,
           p.page, p.line, concat_ws(' ', p.src_ref, b.src_ref, a.src_ref) AS cells
    FROM f p
    JOIN f b ON b.document_id = p.document_id AND b.table_seq = p.table_seq AND b.row_idx = p.row_idx
            AND b.measure = '年初预算数'
    JOIN f a ON a.document_id = p.document_id AND a.table_seq = p.table_seq AND a.row_idx = p.row_idx
            AND a.measure = '决算数'
    WHERE p.measure = '完成预算%' AND b.amount_wan <> 0
),
items AS (
    SELECT t.document_id, t.table_seq, t.table_type, t.measure, t.amount_wan AS total, t.decimals AS d,
           t.page, t.line, t.src_ref,
           (SELECT sum(x.amount_wan) FROM f x WHERE x.document_id = t.document_id AND x.table_seq = t.table_seq
                AND x.measure = t.measure AND x.subject_name NOT IN ('合计', '总计')
                AND x.subject_name NOT LIKE '其中%' AND x.parent_item IS NULL) AS parts,
           (SELECT count(x.amount_wan) FROM f x WHERE x.document_id = t.document_id AND x.table_seq = t.table_seq
                AND x.measure = t.measure AND x.subject_name NOT IN ('合计', '总计')
                AND x.subject_name NOT LIKE '其中%' AND x.parent_item IS NULL) AS n
    FROM f t JOIN chk_dim_table d USING (document_id, table_seq)
    WHERE d.kind = 'three_public' AND t.subject_name IN ('合计', '总计')
)
SELECT 'final_completion_rate' AS rule, document_id, table_seq, table_type, subject, '完成预算%' AS measure,
       published AS expected, CAST(final / budget * 100 AS DECIMAL(24, 6)) AS actual,
       CAST(dq_tol(1, d) + 100 * 0.005 * (1 / abs(budget) + abs(final) / (budget * budget)) AS DECIMAL(24, 6)) AS tolerance,
       page, line, cells, NULL::BOOLEAN AS passed, NULL AS message
FROM rate
UNION ALL
SELECT 'item_table_sum', document_id, table_seq, table_type, '合计 = Σ items', measure, total, coalesce(parts, 0),
       dq_tol(n + 1, d), page, line, src_ref, NULL::BOOLEAN, NULL
FROM items
-- only tables laid out as item rows (the Jiangsu "三公" table is one row of columns, checked by row_components)
WHERE EXISTS (SELECT 1 FROM f x WHERE x.document_id = items.document_id AND x.table_seq = items.table_seq
              AND x.subject_name NOT IN ('合计', '总计'))
