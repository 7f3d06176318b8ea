-- "三公"经费 as a table of its own: one row per printed 三公 figure of a current document, with its canonical item
-- (core.ref_three_public_item: vocab/measures.csv three_public spellings, vocab/three_public_items.csv; “三公” and
-- "三公" are one spelling), the item it is part of (parent_item, item_level 0 = 合计 incl. 会议费 and 培训费,
-- 1 = “三公”经费 / 会议费 / 培训费, 2 = the three items, 3 = the two vehicle items) and its measure (预算数 / 决算数).
-- Budget templates print the items as columns (one total row, or a row per funding source / unit), 决算
-- templates as rows (预算数 and 决算数 columns); both end up here the same way. funding_source is NULL for the
-- all-sources figure and names the source for a per-source column (一般公共预算财政拨款 …), so
-- `WHERE funding_source IS NULL AND item_level = 2` sums the three items without counting anything twice. A table
-- printing a row per unit or per year keeps the row's label in row_label (total_row: the table's 合计 row).
CREATE OR REPLACE VIEW marts.three_public AS
WITH lines AS (
    SELECT b.*, d.publication_key,
           ci.item AS column_item,  -- the column is an item (budget templates)
           CASE WHEN ci.item IS NOT NULL AND ci.item <> '合计' THEN b.canonical_measure ELSE b.subject_name END
               AS item_printed,
           CASE WHEN b.canonical_measure IN ('预算数', '决算数') THEN b.canonical_measure
                -- items as columns, one row per measure (the national 决算 template: a 预算数 and a 决算数 row)
                WHEN b.subject_level = 'table_total' AND b.subject_name IN ('预算数', '决算数') THEN b.subject_name
                WHEN d.phase = 'final' THEN '决算数' ELSE '预算数' END AS tp_measure,
           CASE WHEN ci.item IS NULL AND b.canonical_measure NOT IN ('预算数', '决算数')
                THEN b.canonical_measure END AS funding_source
    FROM marts.budget_lines_all b
    JOIN marts.documents d USING (document_id)
    JOIN core.dim_table t ON t.document_id = b.document_id AND t.table_seq = b.table_seq
    LEFT JOIN core.ref_three_public_item ci ON ci.table_type = b.table_type AND ci.printed = b.canonical_measure
    WHERE t.kind = 'three_public' OR ci.item IS NOT NULL
)
SELECT l.document_id, l.publication_key, l.region_code, l.county, l.department, l.fiscal_year, l.phase,
       l.dq_status, l.synthetic, l.table_type, l.table_title, l.subject_name AS row_label,
       l.subject_level IN ('total', 'table_total') AS total_row, l.header_path,
       r.item, l.item_printed, r.parent_item, r.item_level, l.tp_measure AS measure, l.funding_source, l.amount_wan,
       l.amount_text, l.page, l.line, l.src_ref, l.table_seq, l.row_idx, l.col_idx
FROM lines l
JOIN core.ref_three_public_item r ON r.table_type = l.table_type AND r.printed = l.item_printed;
