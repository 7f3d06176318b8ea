-- An incremental build: the subject codes whose census (sql/checks/00_macros.sql: names, the name most documents
-- print) differs from the previous build's: dim_one_name_per_code re-evaluates its instances on these codes (its
-- other instances have the same inputs as before). Any year: a code is the key.
CREATE OR REPLACE TABLE core.check_scope_code AS
SELECT DISTINCT coalesce(a.classification, b.classification) AS classification, coalesce(a.code, b.code) AS code
FROM census_before a
FULL OUTER JOIN subject_name_census b
  ON a.classification = b.classification AND a.code = b.code AND a.fiscal_year IS NOT DISTINCT FROM b.fiscal_year
WHERE a.code IS NULL OR b.code IS NULL OR a.n_names <> b.n_names OR a.mode_name IS DISTINCT FROM b.mode_name
   OR a.all_names IS DISTINCT FROM b.all_names
