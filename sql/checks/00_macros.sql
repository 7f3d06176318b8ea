-- Rounding tolerance: each of n published figures rounded to d decimals may be off by half a unit
-- in its last place, so a sum of n terms compared with a published total may differ by n/2 units.
CREATE OR REPLACE MACRO dq_tol(n, d) AS CAST((n) * 0.5 * pow(10, -(d)) AS DECIMAL(24, 6));
-- A name without its bracketed parts ("深圳市医疗保障局(本级)" → "深圳市医疗保障局").
CREATE OR REPLACE MACRO dq_unbracketed(x) AS regexp_replace(x, '[(（][^)）]*[)）]', '', 'g');

-- The subject-name census: per code, classification and year across the documents (core.subject_name_document: each
-- document's names of each code), how many names, the name most documents print, all names. dim_one_name_per_code
-- (dimensions_corpus.sql) compares each document's names with it; an incremental build re-evaluates that rule on the
-- codes whose census changed (sql/incremental/check_scope_code.sql, which takes the census of the rows before and
-- after the change: subject_census over a table or view of such rows, by name).
CREATE OR REPLACE TEMP MACRO subject_census(name_rows) AS TABLE
SELECT code, classification, fiscal_year, count(*) AS n_names,
       first(subject_name ORDER BY docs DESC, subject_name) AS mode_name,
       string_agg(subject_name, ' / ' ORDER BY subject_name) AS all_names
FROM (SELECT code, classification, fiscal_year, subject_name, count(*) AS docs FROM query_table(name_rows) GROUP BY ALL)
GROUP BY ALL;
CREATE OR REPLACE TEMP VIEW subject_name_census AS SELECT * FROM subject_census('core.subject_name_document');
