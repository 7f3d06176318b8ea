-- Row arithmetic from the registry's identities (core.ref_row_identity): e.g. 合计 = 基本支出 + 项目支出 + …,
-- 合计 = 人员经费 + 公用经费, 本年收入 = Σ sources. Rows where every figure is blank are skipped.
WITH a AS (
    SELECT document_id, table_seq, table_type, coalesce(subject_code || ' ', '') || subject_name AS subject,
           row_idx, measure, amount_wan, decimals, page, line, src_ref
    FROM chk_fact_budget_amount WHERE classification IN ('function', 'economic')
      AND canonical_measure IS NOT NULL  -- reconciliation runs on canonical measures only
),
rows_ AS (SELECT DISTINCT document_id, table_seq, table_type, subject, row_idx FROM a),
calc AS (
    SELECT r.document_id, r.table_seq, r.table_type, r.subject, i.total_measure,
           max(t.amount_wan) AS total, sum(p.amount_wan) AS parts, count(p.amount_wan) AS n_parts,
           greatest(coalesce(max(t.decimals), 0), coalesce(max(p.decimals), 0)) AS d,
           coalesce(max(t.page), max(p.page)) AS page, coalesce(max(t.line), min(p.line)) AS line,
           concat_ws(' ', max(t.src_ref), string_agg(p.src_ref, ' ' ORDER BY p.src_ref)) AS cells,
           string_agg(DISTINCT i.part_measure, '+' ORDER BY i.part_measure) AS parts_list
    FROM rows_ r
    JOIN core.ref_row_identity i ON i.table_type = r.table_type
    LEFT JOIN a t ON t.document_id = r.document_id AND t.table_seq = r.table_seq AND t.row_idx = r.row_idx
               AND t.measure = i.total_measure
    LEFT JOIN a p ON p.document_id = r.document_id AND p.table_seq = r.table_seq AND p.row_idx = r.row_idx
               AND p.measure = i.part_measure
    GROUP BY r.document_id, r.table_seq, r.table_type, r.subject, r.row_idx, i.total_measure
)
SELECT 'row_components' AS rule, document_id, table_seq, table_type, subject, total_measure || ' = ' || parts_list AS measure,
       coalesce(total, 0) AS expected, coalesce(parts, 0) AS actual, dq_tol(n_parts + 1, d) AS tolerance,
       page, line, cells, NULL::BOOLEAN AS passed, NULL AS message
FROM calc WHERE (total IS NOT NULL OR parts IS NOT NULL)
  -- an identity applies only to a table that publishes its total column and at least one of its part columns
  AND EXISTS (SELECT 1 FROM a x JOIN core.ref_row_identity j ON j.table_type = x.table_type
              AND j.total_measure = calc.total_measure AND j.part_measure = x.measure
              WHERE x.document_id = calc.document_id AND x.table_seq = calc.table_seq)
  AND EXISTS (SELECT 1 FROM a x WHERE x.document_id = calc.document_id AND x.table_seq = calc.table_seq
              AND x.measure = calc.total_measure)
  -- a part that is itself a subtotal (本年收入 in 合计 = 本年收入 + 上年结转) must be published: a table that
  -- breaks it down into its sources instead cannot be checked by this identity
  AND NOT EXISTS (SELECT 1 FROM core.ref_row_identity j JOIN core.ref_row_identity k
                      ON k.table_type = j.table_type AND k.total_measure = j.part_measure
                  WHERE j.table_type = calc.table_type AND j.total_measure = calc.total_measure
                    AND NOT EXISTS (SELECT 1 FROM a x WHERE x.document_id = calc.document_id
                                    AND x.table_seq = calc.table_seq AND x.measure = j.part_measure))
