-- How many of the function and economic codes of the loaded documents core.dim_subject names: the distinct
-- (classification, code, year) of the budget facts, of the facts' rows, and of every code + name pair printed
-- in any table (core.subject_sighting); and how many of them the shipped dictionary (core.ref_subject) knows.
WITH f AS (
    SELECT f.classification, f.subject_code AS code, d.fiscal_year, count(*) AS n_rows
    FROM core.fact_budget_amount f JOIN core.dim_document d USING (document_id)
    WHERE f.classification IN ('function', 'economic') AND regexp_full_match(f.subject_code, '\d{3}(\d{2}){0,2}')
    GROUP BY ALL
),
g AS (SELECT DISTINCT classification, code, fiscal_year FROM core.subject_sighting),
named AS (
    SELECT 'fact codes' AS population, f.classification, f.code, f.fiscal_year, f.n_rows,
           coalesce(s.subject_name, '') <> '' AS named,
           EXISTS (SELECT 1 FROM core.ref_subject r WHERE r.classification = f.classification AND r.code = f.code)
               AS in_dictionary
    FROM f LEFT JOIN core.dim_subject s ON s.classification = f.classification AND s.subject_code = f.code
                                       AND s.fiscal_year IS NOT DISTINCT FROM f.fiscal_year
    UNION ALL
    SELECT 'printed codes', g.classification, g.code, g.fiscal_year, 1,
           coalesce(s.subject_name, '') <> '',
           EXISTS (SELECT 1 FROM core.ref_subject r WHERE r.classification = g.classification AND r.code = g.code)
    FROM g LEFT JOIN core.dim_subject s ON s.classification = g.classification AND s.subject_code = g.code
                                       AND s.fiscal_year IS NOT DISTINCT FROM g.fiscal_year
)
SELECT population, classification, count(*) AS codes, count(*) FILTER (WHERE named) AS named,
       round(100.0 * count(*) FILTER (WHERE named) / count(*), 1) AS pct_named,
       sum(n_rows) AS rows, sum(n_rows) FILTER (WHERE named) AS rows_named,
       count(*) FILTER (WHERE in_dictionary) AS in_dictionary,
       round(100.0 * count(*) FILTER (WHERE in_dictionary) / count(*), 1) AS pct_in_dictionary
FROM named GROUP BY ALL ORDER BY population, classification
