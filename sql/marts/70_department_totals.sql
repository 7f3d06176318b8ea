-- The headline figures of each current publication (region, department, year, phase), read from the document's
-- own tables: where each figure is read, in order of preference, is vocab/headline_figures.csv (core.ref_figure).
-- marts.department_figures: one row per publication and figure, with the table, page and cell it came from, how
-- many of the document's tables print it (sources) and whether they all agree (agrees: NULL when only one does),
-- the other values printed where they do not, and its state: printed / blank (a source table is printed, the
-- figure's cell is blank or "—") / declared_empty (its table is declared empty: no figure, not 0) / not_published.
-- marts.department_totals: the same, one row per publication (a column triple per figure: _wan, _source,
-- _agrees). Each publication is one row, so summing a figure over departments counts every department once.
CREATE OR REPLACE VIEW marts.department_figures AS
WITH pubs AS (
    SELECT publication_key, any_value(region_code) AS region_code, any_value(county) AS county,
           any_value(department) AS department, any_value(fiscal_year) AS fiscal_year, any_value(phase) AS phase,
           bool_or(synthetic) AS synthetic, count(*) AS documents,
           CASE WHEN bool_or(dq_status = 'fail') THEN 'fail' WHEN bool_or(dq_status = 'warn') THEN 'warn'
                ELSE 'pass' END AS dq_status
    FROM marts.documents WHERE is_current AND publication_key IS NOT NULL AND phase IS NOT NULL
    GROUP BY publication_key
),
superseded AS (
    SELECT publication_key, count(*) AS superseded FROM marts.documents WHERE NOT is_current GROUP BY ALL
),
lines AS (
    SELECT b.*, d.publication_key,
           -- the side's totals column: the measure printed leftmost (a total may sit in a cell merged over two)
           arg_min(b.measure, b.col_idx) OVER (PARTITION BY b.document_id, b.table_seq, b.side) AS first_measure
    FROM marts.budget_lines_all b JOIN marts.documents d USING (document_id)
),
cand AS (
    -- two-sided summary tables: the item on its side, in the side's first amount column (its totals column)
    SELECT fg.figure, fg.priority, l.publication_key, l.document_id, l.table_type, l.table_title, l.page, l.line,
           l.row_idx, l.src_ref, l.amount_wan
    FROM core.ref_figure fg JOIN lines l
      ON l.phase = fg.phase AND l.table_type = fg.table_type AND l.side = fg.side AND l.subject_name = fg.row_label
    WHERE fg.side IS NOT NULL AND l.measure = l.first_measure
    UNION ALL
    -- subject tables: the table's 合计 row in the measure's column
    SELECT fg.figure, fg.priority, l.publication_key, l.document_id, l.table_type, l.table_title, l.page, l.line,
           l.row_idx, l.src_ref, l.amount_wan
    FROM core.ref_figure fg JOIN lines l
      ON l.phase = fg.phase AND l.table_type = fg.table_type AND l.canonical_measure = fg.measure
    WHERE fg.side IS NULL AND fg.row_label = 'total' AND l.subject_level IN ('total', 'table_total')
    UNION ALL
    -- "三公" items (marts.three_public): the all-sources figure; the table's 合计 row where items are columns
    SELECT fg.figure, fg.priority, t.publication_key, t.document_id, t.table_type, t.table_title, t.page, t.line,
           t.row_idx, t.src_ref, t.amount_wan
    FROM core.ref_figure fg JOIN marts.three_public t
      ON t.phase = fg.phase AND t.table_type = fg.table_type AND t.item = fg.row_label AND t.measure = fg.measure
    WHERE fg.side IS NULL AND t.funding_source IS NULL
      AND (t.total_row OR t.item_printed = t.row_label)
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY publication_key, figure
                                 ORDER BY priority, document_id, page, line, row_idx) AS rk
    FROM cand
),
chosen AS (
    SELECT r.publication_key, r.figure, r.amount_wan, r.document_id, r.table_type, r.table_title, r.page, r.line,
           r.src_ref,
           (SELECT count(*) FROM cand c WHERE c.publication_key = r.publication_key AND c.figure = r.figure) AS sources,
           (SELECT string_agg(c.table_title || coalesce(' p' || c.page, ' line ' || c.line) || ': '
                              || CAST(c.amount_wan AS VARCHAR), '; ' ORDER BY c.priority, c.page, c.line)
            FROM cand c WHERE c.publication_key = r.publication_key AND c.figure = r.figure
              AND c.amount_wan IS DISTINCT FROM r.amount_wan) AS disagreeing
    FROM ranked r WHERE rk = 1
),
present AS (  -- a source table of the figure is in the publication (declared empty or printed)
    SELECT fg.figure, d.publication_key, bool_or(t.declared_empty) AS declared_empty
    FROM core.ref_figure fg JOIN core.dim_table t ON t.table_type = fg.table_type
    JOIN marts.documents d ON d.document_id = t.document_id AND d.is_current AND d.phase = fg.phase
    GROUP BY ALL
),
figures AS (SELECT DISTINCT figure, name_zh, name_en, figure_order FROM core.ref_figure)
SELECT p.publication_key, p.region_code, p.county, p.department, p.fiscal_year, p.phase, p.synthetic, p.dq_status,
       p.documents, coalesce(s.superseded, 0) AS superseded_documents,
       f.figure, f.name_zh, f.name_en, f.figure_order, c.amount_wan,
       CASE WHEN c.figure IS NOT NULL THEN 'printed' WHEN x.declared_empty THEN 'declared_empty'
            WHEN x.figure IS NOT NULL THEN 'blank' ELSE 'not_published' END AS state,
       c.table_type AS source_table_type, c.table_title AS source_table, c.page, c.line, c.src_ref, c.document_id,
       c.sources, CASE WHEN c.sources > 1 THEN c.disagreeing IS NULL END AS agrees, c.disagreeing
FROM pubs p CROSS JOIN figures f
LEFT JOIN chosen c ON c.publication_key = p.publication_key AND c.figure = f.figure
LEFT JOIN superseded s ON s.publication_key = p.publication_key
LEFT JOIN present x ON x.publication_key = p.publication_key AND x.figure = f.figure;

CREATE OR REPLACE VIEW marts.department_totals AS
WITH f AS (
    SELECT *, CASE state WHEN 'printed' THEN source_table || coalesce(' p' || page, ' line ' || line)
                         WHEN 'declared_empty' THEN 'declared empty' WHEN 'blank' THEN 'blank' END AS source
    FROM marts.department_figures
)
SELECT publication_key, region_code, county, department, fiscal_year, phase, synthetic, dq_status, documents,
       superseded_documents,
       max(amount_wan) FILTER (WHERE figure = 'revenue_total') AS revenue_total_wan,  -- 收入总计
       max(source) FILTER (WHERE figure = 'revenue_total') AS revenue_total_source,
       bool_and(agrees) FILTER (WHERE figure = 'revenue_total') AS revenue_total_agrees,
       max(amount_wan) FILTER (WHERE figure = 'expenditure_total') AS expenditure_total_wan,  -- 支出总计
       max(source) FILTER (WHERE figure = 'expenditure_total') AS expenditure_total_source,
       bool_and(agrees) FILTER (WHERE figure = 'expenditure_total') AS expenditure_total_agrees,
       max(amount_wan) FILTER (WHERE figure = 'basic_expenditure') AS basic_expenditure_wan,  -- 基本支出
       max(source) FILTER (WHERE figure = 'basic_expenditure') AS basic_expenditure_source,
       bool_and(agrees) FILTER (WHERE figure = 'basic_expenditure') AS basic_expenditure_agrees,
       max(amount_wan) FILTER (WHERE figure = 'project_expenditure') AS project_expenditure_wan,  -- 项目支出
       max(source) FILTER (WHERE figure = 'project_expenditure') AS project_expenditure_source,
       bool_and(agrees) FILTER (WHERE figure = 'project_expenditure') AS project_expenditure_agrees,
       max(amount_wan) FILTER (WHERE figure = 'personnel') AS personnel_wan,  -- 人员经费
       max(source) FILTER (WHERE figure = 'personnel') AS personnel_source,
       bool_and(agrees) FILTER (WHERE figure = 'personnel') AS personnel_agrees,
       max(amount_wan) FILTER (WHERE figure = 'public_funds') AS public_funds_wan,  -- 公用经费
       max(source) FILTER (WHERE figure = 'public_funds') AS public_funds_source,
       bool_and(agrees) FILTER (WHERE figure = 'public_funds') AS public_funds_agrees,
       max(amount_wan) FILTER (WHERE figure = 'fiscal_appropriation') AS fiscal_appropriation_wan,  -- 财政拨款
       max(source) FILTER (WHERE figure = 'fiscal_appropriation') AS fiscal_appropriation_source,
       bool_and(agrees) FILTER (WHERE figure = 'fiscal_appropriation') AS fiscal_appropriation_agrees,
       max(amount_wan) FILTER (WHERE figure = 'three_public') AS three_public_wan,  -- “三公”经费
       max(source) FILTER (WHERE figure = 'three_public') AS three_public_source,
       bool_and(agrees) FILTER (WHERE figure = 'three_public') AS three_public_agrees,
       max(amount_wan) FILTER (WHERE figure = 'three_public_abroad') AS three_public_abroad_wan,  -- 因公出国(境)费
       max(source) FILTER (WHERE figure = 'three_public_abroad') AS three_public_abroad_source,
       bool_and(agrees) FILTER (WHERE figure = 'three_public_abroad') AS three_public_abroad_agrees,
       max(amount_wan) FILTER (WHERE figure = 'three_public_vehicles') AS three_public_vehicles_wan,  -- 公务用车购置及运行维护费
       max(source) FILTER (WHERE figure = 'three_public_vehicles') AS three_public_vehicles_source,
       bool_and(agrees) FILTER (WHERE figure = 'three_public_vehicles') AS three_public_vehicles_agrees,
       max(amount_wan) FILTER (WHERE figure = 'three_public_vehicle_purchase') AS three_public_vehicle_purchase_wan,  -- 公务用车购置费
       max(source) FILTER (WHERE figure = 'three_public_vehicle_purchase') AS three_public_vehicle_purchase_source,
       bool_and(agrees) FILTER (WHERE figure = 'three_public_vehicle_purchase') AS three_public_vehicle_purchase_agrees,
       max(amount_wan) FILTER (WHERE figure = 'three_public_vehicle_running') AS three_public_vehicle_running_wan,  -- 公务用车运行维护费
       max(source) FILTER (WHERE figure = 'three_public_vehicle_running') AS three_public_vehicle_running_source,
       bool_and(agrees) FILTER (WHERE figure = 'three_public_vehicle_running') AS three_public_vehicle_running_agrees,
       max(amount_wan) FILTER (WHERE figure = 'three_public_reception') AS three_public_reception_wan,  -- 公务接待费
       max(source) FILTER (WHERE figure = 'three_public_reception') AS three_public_reception_source,
       bool_and(agrees) FILTER (WHERE figure = 'three_public_reception') AS three_public_reception_agrees,
       max(amount_wan) FILTER (WHERE figure = 'admin_cost') AS admin_cost_wan,  -- 机关运行经费
       max(source) FILTER (WHERE figure = 'admin_cost') AS admin_cost_source,
       bool_and(agrees) FILTER (WHERE figure = 'admin_cost') AS admin_cost_agrees
FROM f
GROUP BY publication_key, region_code, county, department, fiscal_year, phase, synthetic, dq_status, documents,
         superseded_documents;
