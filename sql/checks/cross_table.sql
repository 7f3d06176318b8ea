-- The same figure in different tables agrees. Each pair: (rule, table A, selector A, table B, selector B).
WITH a AS (
    SELECT f.document_id, f.table_type, f.classification, f.subject_code, f.subject_name, f.subject_level, f.side,
           f.parent_item, f.measure, f.amount_wan, f.decimals, f.page, f.line, f.src_ref
    FROM chk_fact_budget_amount f
    WHERE f.canonical_measure IS NOT NULL  -- reconciliation runs on canonical measures only
      -- rows of one unit's block in a table with a block per unit are no department-level figures
      AND NOT (f.classification IN ('function', 'economic') AND f.parent_item IS NOT NULL)
),
-- summary-table expenditure items carry 类 names ("社会保障和就业支出"); give them the 类 code of the same document
named_lei AS (
    SELECT DISTINCT document_id, subject_code, subject_name FROM a
    WHERE classification = 'function' AND length(subject_code) = 3
),
s AS (
    SELECT a.*, n.subject_code AS lei_code FROM a
    LEFT JOIN named_lei n ON n.document_id = a.document_id AND n.subject_name = a.subject_name
    WHERE a.classification = 'summary'
),
pairs AS (
    -- 收支总表 收入总计 = 收入总表 合计
    SELECT 'cross_summary_revenue_total' AS rule, x.document_id, '收入总计' AS subject, '预算数 / 合计' AS measure,
           x.amount_wan AS expected, y.amount_wan AS actual, greatest(x.decimals, y.decimals) AS d,
           x.page, x.line, x.src_ref || ' ' || y.src_ref AS cells
    FROM s x JOIN a y ON y.document_id = x.document_id AND y.table_type = 'revenue' AND y.subject_level = 'total'
                      AND y.measure = '合计'
    WHERE x.table_type = 'income_expense_summary' AND x.subject_name = '收入总计'
    UNION ALL
    -- 收支总表 本年支出合计 = 支出总表 合计
    SELECT 'cross_summary_expenditure_total', x.document_id, '本年支出合计', '预算数 / 合计', x.amount_wan, y.amount_wan,
           greatest(x.decimals, y.decimals), x.page, x.line, x.src_ref || ' ' || y.src_ref
    FROM s x JOIN a y ON y.document_id = x.document_id AND y.table_type = 'expenditure' AND y.subject_level = 'total'
                      AND y.measure = '合计'
    WHERE x.table_type = 'income_expense_summary' AND x.subject_name = '本年支出合计'
    UNION ALL
    -- 收支总表 支出 by 类 = 支出总表 类 合计
    SELECT 'cross_summary_expenditure_lei', x.document_id, x.lei_code || ' ' || x.subject_name, '预算数 / 合计',
           x.amount_wan, coalesce(y.amount_wan, 0), greatest(x.decimals, coalesce(y.decimals, 0)), x.page, x.line,
           x.src_ref || ' ' || coalesce(y.src_ref, '')
    FROM s x LEFT JOIN a y ON y.document_id = x.document_id AND y.table_type = 'expenditure'
                           AND y.subject_code = x.lei_code AND y.measure = '合计'
    WHERE x.table_type = 'income_expense_summary' AND x.side = '支出' AND x.lei_code IS NOT NULL
      -- the side's total column only (a summary may break its 支出 side down: 基本支出/人员经费, 项目支出 …)
      AND regexp_full_match(x.measure, '(预算数|决算数|合计|金额)([(（].*[)）])?')
      -- only where the 支出总表 is broken down by function at all (Jiangsu's is a single row of totals)
      AND EXISTS (SELECT 1 FROM a z WHERE z.document_id = x.document_id AND z.table_type = 'expenditure'
                  AND z.subject_code IS NOT NULL)
    UNION ALL
    -- 财政拨款收支总表 一般公共预算 by 类 = 一般公共预算财政拨款支出表 类 合计
    SELECT 'cross_fiscal_gpb_lei', x.document_id, x.lei_code || ' ' || x.subject_name, '一般公共预算财政拨款 / 合计',
           x.amount_wan, coalesce(y.amount_wan, 0), greatest(x.decimals, coalesce(y.decimals, 0)), x.page, x.line,
           x.src_ref || ' ' || coalesce(y.src_ref, '')
    FROM s x LEFT JOIN a y ON y.document_id = x.document_id AND y.table_type = 'gpb_expenditure'
                           AND y.subject_code = x.lei_code AND y.measure = '合计'
    WHERE x.table_type = 'fiscal_summary' AND x.side = '支出' AND x.lei_code IS NOT NULL
      AND x.measure = '一般公共预算财政拨款'
    UNION ALL
    -- 一般公共预算财政拨款基本支出表 合计 = 一般公共预算财政拨款支出表 基本支出 合计
    SELECT 'cross_basic_vs_gpb', x.document_id, '合计', '合计 / 基本支出', x.amount_wan, y.amount_wan,
           greatest(x.decimals, y.decimals), x.page, x.line, x.src_ref || ' ' || y.src_ref
    FROM a x JOIN a y ON y.document_id = x.document_id AND y.table_type = 'gpb_expenditure'
                      AND y.subject_level = 'total' AND y.measure = '基本支出'
    WHERE x.table_type = 'gpb_basic' AND x.subject_level = 'total' AND x.measure = '合计'
    UNION ALL
    -- 收入总表 财政拨款收入 合计 = 财政拨款收支总表 本年收入合计
    SELECT 'cross_revenue_vs_fiscal', x.document_id, '本年收入合计', '金额 / 财政拨款收入', x.amount_wan, y.amount_wan,
           greatest(x.decimals, y.decimals), x.page, x.line, x.src_ref || ' ' || y.src_ref
    FROM s x JOIN a y ON y.document_id = x.document_id AND y.table_type = 'revenue' AND y.subject_level = 'total'
                      AND y.measure = '财政拨款收入'
    WHERE x.table_type = 'fiscal_summary' AND x.subject_name = '本年收入合计' AND x.side = '收入'
    UNION ALL
    -- 收入总表 = 支出总表 by subject (a balanced budget's sources and uses per function)
    SELECT 'cross_revenue_vs_expenditure', x.document_id, coalesce(x.subject_code || ' ', '') || x.subject_name,
           '合计', x.amount_wan, coalesce(y.amount_wan, 0), greatest(x.decimals, coalesce(y.decimals, 0)), x.page,
           x.line, x.src_ref || ' ' || coalesce(y.src_ref, '')
    FROM a x LEFT JOIN a y ON y.document_id = x.document_id AND y.table_type = 'expenditure' AND y.measure = '合计'
         AND (y.subject_code = x.subject_code OR (x.subject_level = 'total' AND y.subject_level = 'total'))
    WHERE x.table_type = 'revenue' AND x.measure = '合计'
      AND (x.subject_code IS NOT NULL OR x.subject_level = 'total')  -- rows per unit have no counterpart
)
SELECT rule, document_id, NULL::INTEGER AS table_seq, 'cross' AS table_type, subject, measure, expected, actual,
       dq_tol(2, d) AS tolerance, page, line, cells, NULL::BOOLEAN AS passed, NULL AS message
FROM pairs
