-- An incremental build, after the loaded documents' subject rows (pipelines/subjects.register, names_by_document.sql,
-- keys_by_document.sql): the per-key document counts (core.subject_key_count, subject_name_count,
-- subject_census_count; sql/subjects/count_macros.sql) become the previous build's plus the loaded documents' minus
-- the removed documents' (removed_*_count: sql/incremental/remove/10_keys.sql); a key no document prints any more
-- leaves. The census rows of the codes this touches are kept as they were (census_before) for
-- sql/incremental/check_scope_code.sql.
-- (the loaded documents' rows of core.subject_key_document, subject_sighting and subject_name_document, kept apart
-- as they were inserted: loaded_key_document, loaded_sighting, loaded_names)

-- (a count table's delta: the loaded documents' counts plus, the removed ones' minus, per key)
CREATE OR REPLACE TEMP MACRO count_delta(plus, minus) AS TABLE
SELECT * EXCLUDE (n_documents), sum(n_documents) AS n_documents
FROM (SELECT * FROM query_table(plus)
      UNION ALL BY NAME
      SELECT * REPLACE (-n_documents AS n_documents) FROM query_table(minus))
GROUP BY ALL;
CREATE OR REPLACE TEMP VIEW loaded_key_count AS SELECT * FROM subject_count_keys('loaded_key_document', 'loaded_sighting');
CREATE OR REPLACE TEMP VIEW loaded_name_count AS SELECT * FROM subject_count_names('loaded_sighting');
CREATE OR REPLACE TEMP VIEW loaded_census_count AS SELECT * FROM subject_count_census('loaded_names');
CREATE OR REPLACE TEMP TABLE delta_key_count AS SELECT * FROM count_delta('loaded_key_count', 'removed_key_count');
CREATE OR REPLACE TEMP TABLE delta_name_count AS SELECT * FROM count_delta('loaded_name_count', 'removed_name_count');
CREATE OR REPLACE TEMP TABLE delta_census_count AS
SELECT * FROM count_delta('loaded_census_count', 'removed_census_count');

-- the codes whose census may change, and their census rows before the change
CREATE OR REPLACE TEMP TABLE census_codes AS
SELECT DISTINCT classification, code, fiscal_year FROM delta_census_count;
CREATE OR REPLACE TEMP TABLE census_before AS
SELECT c.* FROM core.subject_census_count c
WHERE EXISTS (SELECT 1 FROM census_codes k WHERE k.classification IS NOT DISTINCT FROM c.classification
              AND k.code IS NOT DISTINCT FROM c.code AND k.fiscal_year IS NOT DISTINCT FROM c.fiscal_year);

-- (a key's count that falls to 0: no document prints it any more, its row leaves)
MERGE INTO core.subject_key_count c USING delta_key_count d
   ON c.classification IS NOT DISTINCT FROM d.classification AND c.subject_code IS NOT DISTINCT FROM d.subject_code
  AND c.fiscal_year IS NOT DISTINCT FROM d.fiscal_year
WHEN MATCHED AND c.n_documents + d.n_documents <= 0 THEN DELETE
WHEN MATCHED THEN UPDATE SET n_documents = c.n_documents + d.n_documents
WHEN NOT MATCHED AND d.n_documents > 0 THEN INSERT VALUES (d.classification, d.subject_code, d.fiscal_year, d.n_documents);
MERGE INTO core.subject_name_count c USING delta_name_count d
   ON c.classification IS NOT DISTINCT FROM d.classification AND c.code IS NOT DISTINCT FROM d.code
  AND c.fiscal_year IS NOT DISTINCT FROM d.fiscal_year AND c.name IS NOT DISTINCT FROM d.name
WHEN MATCHED AND c.n_documents + d.n_documents <= 0 THEN DELETE
WHEN MATCHED THEN UPDATE SET n_documents = c.n_documents + d.n_documents
WHEN NOT MATCHED AND d.n_documents > 0 THEN INSERT VALUES (d.classification, d.code, d.fiscal_year, d.name, d.n_documents);
MERGE INTO core.subject_census_count c USING delta_census_count d
   ON c.classification IS NOT DISTINCT FROM d.classification AND c.code IS NOT DISTINCT FROM d.code
  AND c.fiscal_year IS NOT DISTINCT FROM d.fiscal_year AND c.subject_name IS NOT DISTINCT FROM d.subject_name
WHEN MATCHED AND c.n_documents + d.n_documents <= 0 THEN DELETE
WHEN MATCHED THEN UPDATE SET n_documents = c.n_documents + d.n_documents
WHEN NOT MATCHED AND d.n_documents > 0 THEN INSERT VALUES (d.code, d.classification, d.fiscal_year, d.subject_name,
                                                           d.n_documents);
