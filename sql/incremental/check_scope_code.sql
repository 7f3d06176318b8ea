-- An incremental build: the subject codes and years whose census (sql/checks/00_macros.sql: names, the name most
-- documents print, per code, classification and year) differs from the previous build's: dim_one_name_per_code
-- re-evaluates its instances on these codes in these years (an instance's year is its document's; its other
-- instances have the same inputs as before). Only the codes and years a removed or loaded document prints can change;
-- the census before the change is taken on the rows as they were (the loaded documents' rows left out, the removed
-- ones' put back: removed_names, sql/incremental/remove/10_keys.sql).
CREATE OR REPLACE TEMP TABLE census_codes AS
SELECT DISTINCT classification, code, fiscal_year FROM removed_names
UNION
SELECT DISTINCT classification, code, fiscal_year FROM core.subject_name_document
WHERE document_id IN (SELECT document_id FROM build_load);
CREATE OR REPLACE TEMP VIEW census_rows_after AS
SELECT n.* FROM core.subject_name_document n
WHERE EXISTS (SELECT 1 FROM census_codes c WHERE c.classification = n.classification AND c.code = n.code
                                             AND c.fiscal_year IS NOT DISTINCT FROM n.fiscal_year);
CREATE OR REPLACE TEMP VIEW census_rows_before AS
SELECT * FROM census_rows_after WHERE document_id NOT IN (SELECT document_id FROM build_load)
UNION ALL
SELECT n.* FROM removed_names n;
CREATE OR REPLACE TABLE core.check_scope_code AS
SELECT DISTINCT coalesce(a.classification, b.classification) AS classification, coalesce(a.code, b.code) AS code,
       coalesce(a.fiscal_year, b.fiscal_year) AS fiscal_year
FROM subject_census('census_rows_before') a
FULL OUTER JOIN subject_census('census_rows_after') b
  ON a.classification = b.classification AND a.code = b.code AND a.fiscal_year IS NOT DISTINCT FROM b.fiscal_year
WHERE a.code IS NULL OR b.code IS NULL OR a.n_names <> b.n_names OR a.mode_name IS DISTINCT FROM b.mode_name
   OR a.all_names IS DISTINCT FROM b.all_names;
