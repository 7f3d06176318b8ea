-- Budget execution: what was planned (预算 document, 支出总表) against what was spent (决算 document, 支出决算表),
-- per region, department, year, subject and measure. Codes renamed between the two documents' years are matched
-- through core.ref_subject_crosswalk (pipelines/subject_crosswalk.csv). Rows where only one side exists are kept
-- and say which side is missing. Only current versions of republished documents take part.
CREATE OR REPLACE VIEW marts.budget_execution AS
WITH b AS (
    SELECT d.region_code, d.county, d.department, d.fiscal_year, f.document_id, f.classification, f.subject_code,
           f.subject_name, f.measure, f.amount_wan
    FROM core.fact_budget_amount f JOIN core.dim_document d USING (document_id)
    JOIN core.document_version v ON v.document_id = f.document_id AND v.is_current
    WHERE d.phase = 'budget' AND f.table_type = 'expenditure' AND f.measure IN ('合计', '基本支出', '项目支出')
      AND f.subject_code IS NOT NULL
),
fa AS (
    SELECT d.region_code, d.county, d.department, d.fiscal_year, f.document_id, f.classification,
           coalesce(x.budget_code, f.subject_code) AS subject_code, f.subject_code AS final_code, f.subject_name,
           CASE f.measure WHEN '本年支出合计' THEN '合计' ELSE f.measure END AS measure, f.amount_wan
    FROM core.fact_budget_amount f JOIN core.dim_document d USING (document_id)
    JOIN core.document_version v ON v.document_id = f.document_id AND v.is_current
    LEFT JOIN core.ref_subject_crosswalk x ON x.final_code = f.subject_code AND x.fiscal_year = d.fiscal_year
    WHERE d.phase = 'final' AND f.table_type = 'final_expenditure'
      AND f.measure IN ('合计', '本年支出合计', '基本支出', '项目支出') AND f.subject_code IS NOT NULL
)
SELECT coalesce(b.region_code, fa.region_code) AS region_code, coalesce(b.county, fa.county) AS county,
       coalesce(b.department, fa.department) AS department, coalesce(b.fiscal_year, fa.fiscal_year) AS fiscal_year,
       coalesce(b.classification, fa.classification) AS classification,
       coalesce(b.subject_code, fa.subject_code) AS subject_code, coalesce(b.subject_name, fa.subject_name) AS subject_name,
       coalesce(b.measure, fa.measure) AS measure, b.amount_wan AS budget_wan, fa.amount_wan AS final_wan,
       CASE WHEN b.amount_wan IS NOT NULL AND b.amount_wan <> 0 AND fa.amount_wan IS NOT NULL
            THEN CAST(fa.amount_wan / b.amount_wan AS DECIMAL(18, 6)) END AS execution_rate,
       CASE WHEN b.document_id IS NULL THEN 'budget' WHEN fa.document_id IS NULL THEN 'final' END AS missing_side,
       b.document_id AS budget_document_id, fa.document_id AS final_document_id,
       CASE WHEN fa.final_code <> fa.subject_code THEN fa.final_code END AS final_subject_code_before_crosswalk
FROM b FULL OUTER JOIN fa
  ON fa.region_code = b.region_code AND fa.department = b.department AND fa.fiscal_year = b.fiscal_year
 AND fa.subject_code = b.subject_code AND fa.measure = b.measure;
