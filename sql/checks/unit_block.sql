-- 单位整体支出绩效目标表 budget block: 人员经费 + 公用经费 = 基本支出; 基本支出 + 项目支出 = 支出预算合计;
-- 当年财政拨款 + 上年结转 + 其他资金 = 收入预算合计; 收入预算合计 = 支出预算合计.
WITH u AS (
    SELECT document_id, table_seq, table_type, subject_name AS unit, measure, amount_wan, decimals, src_ref,
           page, line
    FROM chk_fact_budget_amount WHERE classification = 'unit_block'
),
ident(total, parts) AS (VALUES
    ('基本支出', ['人员经费', '公用经费']),
    ('支出预算合计', ['基本支出', '项目支出']),
    ('收入预算合计', ['当年财政拨款', '上年结转', '其他资金']),
    ('支出预算合计', ['收入预算合计'])
),
units AS (SELECT DISTINCT document_id, table_seq, table_type, unit FROM u)
SELECT 'unit_block_sum' AS rule, un.document_id, un.table_seq, un.table_type, un.unit AS subject,
       i.total || ' = ' || array_to_string(i.parts, '+') AS measure,
       coalesce(max(t.amount_wan), 0) AS expected, coalesce(sum(p.amount_wan), 0) AS actual,
       dq_tol(count(p.amount_wan) + 1, greatest(coalesce(max(t.decimals), 0), coalesce(max(p.decimals), 0))) AS tolerance,
       max(t.page) AS page, coalesce(max(t.line), min(p.line)) AS line,
       concat_ws(' ', max(t.src_ref), string_agg(p.src_ref, ' ' ORDER BY p.src_ref)) AS cells, NULL::BOOLEAN AS passed, NULL AS message
FROM units un CROSS JOIN ident i
LEFT JOIN u t ON t.document_id = un.document_id AND t.table_seq = un.table_seq AND t.measure = i.total
LEFT JOIN u p ON p.document_id = un.document_id AND p.table_seq = un.table_seq AND list_contains(i.parts, p.measure)
GROUP BY un.document_id, un.table_seq, un.table_type, un.unit, i.total, i.parts
HAVING max(t.amount_wan) IS NOT NULL OR sum(p.amount_wan) IS NOT NULL
