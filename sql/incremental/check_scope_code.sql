-- An incremental build: the subject codes and years whose census (sql/checks/00_macros.sql: names, the name most
-- documents print, per code, classification and year) differs from the previous build's: dim_one_name_per_code
-- re-evaluates its instances on these codes in these years (an instance's year is its document's; its other
-- instances have the same inputs as before). Only the codes and years a removed or loaded document prints can change
-- (census_codes); their census before the change is taken on their counts as they were (census_before), both kept by
-- sql/incremental/counts.sql as it brought core.subject_census_count up to date.
CREATE OR REPLACE TEMP VIEW census_after AS
SELECT c.* FROM core.subject_census_count c
WHERE EXISTS (SELECT 1 FROM census_codes k WHERE k.classification IS NOT DISTINCT FROM c.classification
              AND k.code IS NOT DISTINCT FROM c.code AND k.fiscal_year IS NOT DISTINCT FROM c.fiscal_year);
CREATE OR REPLACE TABLE core.check_scope_code AS
SELECT DISTINCT coalesce(a.classification, b.classification) AS classification, coalesce(a.code, b.code) AS code,
       coalesce(a.fiscal_year, b.fiscal_year) AS fiscal_year
FROM subject_census('census_before') a
FULL OUTER JOIN subject_census('census_after') b
  ON a.classification = b.classification AND a.code = b.code AND a.fiscal_year IS NOT DISTINCT FROM b.fiscal_year
WHERE a.code IS NULL OR b.code IS NULL OR a.n_names <> b.n_names OR a.mode_name IS DISTINCT FROM b.mode_name
   OR a.all_names IS DISTINCT FROM b.all_names;
