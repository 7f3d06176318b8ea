-- Rounding tolerance: each of n published figures rounded to d decimals may be off by half a unit
-- in its last place, so a sum of n terms compared with a published total may differ by n/2 units.
CREATE OR REPLACE MACRO dq_tol(n, d) AS CAST((n) * 0.5 * pow(10, -(d)) AS DECIMAL(24, 6));
-- A name without its bracketed parts ("深圳市医疗保障局(本级)" → "深圳市医疗保障局").
CREATE OR REPLACE MACRO dq_unbracketed(x) AS regexp_replace(x, '[(（][^)）]*[)）]', '', 'g');
-- Every text rule's pattern (core.ref_text_pattern) in one alternation: a line that matches none of them cannot give
-- a text rule an instance (text.sql reads only the lines that match it). A regex read from a column is compiled again
-- for every row it is applied to (about 10 µs each); a variable is a constant, compiled once.
SET VARIABLE text_patterns = (SELECT string_agg('(?:' || regex || ')', '|' ORDER BY rule, regex) FROM core.ref_text_pattern);

-- The subject-name census: per code, classification and year across the documents (core.subject_census_count: how
-- many documents print each name of each code, counted from core.subject_name_document), how many names, the name
-- most documents print, all names. dim_one_name_per_code (dimensions_corpus.sql) compares each document's names with
-- it; an incremental build re-evaluates that rule on the codes whose census changed
-- (sql/incremental/check_scope_code.sql, which takes the census of the counts before and after the change:
-- subject_census over a table or view of such counts, by name).
CREATE OR REPLACE TEMP MACRO subject_census(counted_rows) AS TABLE
SELECT code, classification, fiscal_year, count(*) AS n_names,
       first(subject_name ORDER BY n_documents DESC, subject_name) AS mode_name,
       string_agg(subject_name, ' / ' ORDER BY subject_name) AS all_names
FROM query_table(counted_rows)
GROUP BY ALL;
CREATE OR REPLACE TEMP VIEW subject_name_census AS SELECT * FROM subject_census('core.subject_census_count');
