-- 收支总表 / 财政拨款收支总表: 收入总计 = 支出总计; 本年收入合计 = Σ income items;
-- 本年支出合计 = Σ expenditure items (per column); 收入总计 = 本年收入合计 + 结转结余;
-- 决算: 支出总计 = 本年支出合计 + 结余分配 + 年末结转和结余.
WITH s AS (
    SELECT document_id, table_seq, table_type, side, subject_name AS item, parent_item, measure, amount_wan,
           decimals, page, line, src_ref
    FROM chk_fact_budget_amount WHERE classification = 'summary'
),
first_measure AS (  -- the left (income) column and the first right column are the totals columns
    SELECT document_id, table_seq, side, min(col) AS col FROM (
        SELECT document_id, table_seq, side, col_idx AS col FROM chk_fact_budget_amount WHERE classification = 'summary'
    ) GROUP BY ALL
),
tot AS (
    SELECT s.* FROM s JOIN chk_fact_budget_amount f USING (document_id, table_seq, src_ref)
    JOIN first_measure fm ON fm.document_id = s.document_id AND fm.table_seq = s.table_seq AND fm.side = s.side
         AND fm.col = f.col_idx
),
bal AS (
    SELECT 'summary_balance' AS rule, i.document_id, i.table_seq, i.table_type, '收入总计 = 支出总计' AS subject,
           i.measure || ' / ' || e.measure AS measure, i.amount_wan AS expected, e.amount_wan AS actual,
           dq_tol(1, greatest(i.decimals, e.decimals)) AS tolerance, i.page, i.line,
           i.src_ref || ' ' || e.src_ref AS cells
    FROM tot i JOIN tot e ON e.document_id = i.document_id AND e.table_seq = i.table_seq
    WHERE i.item = '收入总计' AND e.item = '支出总计'
),
sums AS (
    SELECT 'summary_items_sum' AS rule, t.document_id, t.table_seq, t.table_type, t.item || ' = Σ' AS subject, t.measure,
           t.amount_wan AS expected, coalesce(sum(x.amount_wan), 0) AS actual,
           dq_tol(count(x.amount_wan) + 1, greatest(max(t.decimals), coalesce(max(x.decimals), 0))) AS tolerance,
           t.page, t.line, t.src_ref || ' ' || coalesce(string_agg(x.src_ref, ' ' ORDER BY x.src_ref), '') AS cells
    FROM s t
    LEFT JOIN s x ON x.document_id = t.document_id AND x.table_seq = t.table_seq AND x.side = t.side
         AND x.measure = t.measure AND x.parent_item IS NULL
         AND x.item NOT IN ('本年收入合计', '本年支出合计', '收入总计', '支出总计') AND x.item NOT LIKE '%结转%'
         AND x.item NOT LIKE '%结余分配%' AND x.item NOT LIKE '%弥补收支差额%'
    WHERE t.item IN ('本年收入合计', '本年支出合计')
       -- a table without a current-year subtotal and without carry-over rows: 总计 is what the items add up to
       OR (t.item IN ('收入总计', '支出总计') AND NOT EXISTS (
            SELECT 1 FROM s y WHERE y.document_id = t.document_id AND y.table_seq = t.table_seq AND y.side = t.side
               AND y.measure = t.measure AND (y.item IN ('本年收入合计', '本年支出合计') OR y.item LIKE '%结转%'
                                              OR y.item LIKE '%结余%' OR y.item LIKE '%弥补收支差额%')))
    GROUP BY t.document_id, t.table_seq, t.table_type, t.item, t.measure, t.amount_wan, t.page, t.line, t.src_ref
),
grand AS (
    SELECT 'summary_grand_total' AS rule, t.document_id, t.table_seq, t.table_type, t.item || ' = 本年合计 + 结转结余' AS subject,
           t.measure, t.amount_wan AS expected, coalesce(sum(x.amount_wan), 0) AS actual,
           dq_tol(count(x.amount_wan) + 1, greatest(max(t.decimals), coalesce(max(x.decimals), 0))) AS tolerance,
           t.page, t.line, t.src_ref || ' ' || coalesce(string_agg(x.src_ref, ' ' ORDER BY x.src_ref), '') AS cells
    FROM s t
    LEFT JOIN s x ON x.document_id = t.document_id AND x.table_seq = t.table_seq AND x.side = t.side
         AND x.measure = t.measure AND x.parent_item IS NULL
         AND (x.item IN ('本年收入合计', '本年支出合计') OR x.item LIKE '%结转%' OR x.item LIKE '%结余分配%'
              OR x.item LIKE '%弥补收支差额%')
    WHERE t.item IN ('收入总计', '支出总计')
      -- only where the side publishes its current-year subtotal (else summary_items_sum checks 总计)
      AND EXISTS (SELECT 1 FROM s y WHERE y.document_id = t.document_id AND y.table_seq = t.table_seq
                  AND y.side = t.side AND y.measure = t.measure AND y.item IN ('本年收入合计', '本年支出合计'))
    GROUP BY t.document_id, t.table_seq, t.table_type, t.item, t.measure, t.amount_wan, t.page, t.line, t.src_ref
)
SELECT *, NULL::BOOLEAN AS passed, NULL AS message FROM (
    SELECT * FROM bal UNION ALL SELECT * FROM sums UNION ALL SELECT * FROM grand
)
