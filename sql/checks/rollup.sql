-- 类 = Σ款, 款 = Σ项 (per document, table, measure; function and economic classifications; per unit in a
-- table with one block of rows per unit, parent_item naming the unit), and 合计 = Σ类. A blank cell is a
-- published zero. An exact repeat of a coded row (same code, name and figure) counts once.
WITH a AS (
    SELECT document_id, table_seq, table_type, classification, subject_code, subject_name, subject_level,
           coalesce(parent_item, '') AS blk, measure, amount_wan, decimals, page, line, src_ref
    FROM chk_fact_budget_amount
    WHERE classification IN ('function', 'economic')
      AND canonical_measure IS NOT NULL  -- reconciliation runs on canonical measures only
      AND NOT contains(measure, '%')  -- a ratio column (完成预算%) does not add up
    -- a coded row printed twice with the same name and figures (无锡: "21999 其他支出 502.00" as 款 and again
    -- in the place of its 项) is one subject: counted once
    QUALIFY subject_code IS NULL OR row_number() OVER (
        PARTITION BY document_id, table_seq, coalesce(parent_item, ''), subject_code, subject_name, measure, amount_wan
        ORDER BY row_idx) = 1
),
parents AS (
    SELECT DISTINCT document_id, table_seq, table_type, classification, subject_code, subject_name, subject_level, blk
    FROM a WHERE subject_code IS NOT NULL AND length(subject_code) < 7
),
measures AS (SELECT DISTINCT document_id, table_seq, measure FROM a),
children AS (
    SELECT p.document_id, p.table_seq, p.table_type, p.subject_code AS parent_code, p.subject_name AS parent_name,
           p.subject_level, p.blk, m.measure,
           sum(c.amount_wan) AS child_sum, count(c.amount_wan) AS n_children, max(c.decimals) AS d,
           string_agg(c.src_ref, ' ' ORDER BY c.src_ref) AS cells
    FROM parents p
    JOIN measures m ON m.document_id = p.document_id AND m.table_seq = p.table_seq
    JOIN a c ON c.document_id = p.document_id AND c.table_seq = p.table_seq AND c.measure = m.measure
            AND c.blk = p.blk AND c.subject_code IS NOT NULL AND length(c.subject_code) = length(p.subject_code) + 2
            AND starts_with(c.subject_code, p.subject_code)
    GROUP BY ALL
),
has_children AS (  -- a parent's roll-up is checked only when it has child rows in the table at all
    SELECT DISTINCT p.document_id, p.table_seq, p.subject_code, p.blk
    FROM parents p JOIN a c ON c.document_id = p.document_id AND c.table_seq = p.table_seq AND c.blk = p.blk
     AND c.subject_code IS NOT NULL AND length(c.subject_code) = length(p.subject_code) + 2
     AND starts_with(c.subject_code, p.subject_code)
),
parent_vals AS (
    SELECT p.document_id, p.table_seq, p.table_type, p.subject_code, p.subject_name, p.subject_level, p.blk, m.measure,
           coalesce(v.amount_wan, 0) AS expected, coalesce(v.decimals, 0) AS d, v.page, v.line, v.src_ref
    FROM parents p
    JOIN has_children h USING (document_id, table_seq, subject_code, blk)
    JOIN measures m ON m.document_id = p.document_id AND m.table_seq = p.table_seq
    LEFT JOIN a v ON v.document_id = p.document_id AND v.table_seq = p.table_seq AND v.subject_code = p.subject_code
                 AND v.blk = p.blk AND v.measure = m.measure
),
sub AS (
    SELECT CASE pv.subject_level WHEN '类' THEN 'rollup_lei_kuan' ELSE 'rollup_kuan_xiang' END AS rule,
           pv.document_id, pv.table_seq, pv.table_type,
           CASE pv.blk WHEN '' THEN '' ELSE pv.blk || ': ' END || pv.subject_code || ' ' || pv.subject_name AS subject,
           pv.measure,
           pv.expected, coalesce(c.child_sum, 0) AS actual,
           dq_tol(coalesce(c.n_children, 0) + 1, greatest(pv.d, coalesce(c.d, 0))) AS tolerance,
           pv.page, pv.line, concat_ws(' ', pv.src_ref, c.cells) AS cells
    FROM parent_vals pv
    LEFT JOIN children c ON c.document_id = pv.document_id AND c.table_seq = pv.table_seq
         AND c.parent_code = pv.subject_code AND c.blk = pv.blk AND c.measure = pv.measure
),
tot AS (
    SELECT 'rollup_total_lei' AS rule, t.document_id, t.table_seq, t.table_type, '合计' AS subject, t.measure,
           t.amount_wan AS expected, coalesce(sum(c.amount_wan), 0) AS actual,
           dq_tol(count(c.amount_wan) + 1, greatest(max(t.decimals), coalesce(max(c.decimals), 0))) AS tolerance,
           t.page, t.line, concat_ws(' ', t.src_ref, string_agg(c.src_ref, ' ' ORDER BY c.src_ref)) AS cells
    FROM a t
    LEFT JOIN a c ON c.document_id = t.document_id AND c.table_seq = t.table_seq AND c.measure = t.measure
               AND length(c.subject_code) = 3
    WHERE t.subject_level = 'total'
      -- a table whose rows carry no 类 code (rows per unit or item) has no Σ类 to compare
      AND EXISTS (SELECT 1 FROM a l WHERE l.document_id = t.document_id AND l.table_seq = t.table_seq
                  AND length(l.subject_code) = 3)
    GROUP BY t.document_id, t.table_seq, t.table_type, t.measure, t.amount_wan, t.page, t.line, t.src_ref
)
SELECT *, NULL::BOOLEAN AS passed, NULL AS message FROM sub
UNION ALL
SELECT *, NULL::BOOLEAN AS passed, NULL AS message FROM tot
