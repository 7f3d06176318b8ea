-- An incremental build, after the loaded documents' subjects: their subject keys join those of the removed documents
-- (build_subject_keys), and the core.dim_subject rows of every such key leave; sql/subjects/dim_subject.sql derives
-- them again from all the documents printing them.
-- (loaded_key_document, loaded_sighting: the loaded documents' rows, sql/subjects/keys_by_document.sql,
-- pipelines/subjects.register; the removed documents': sql/incremental/remove/10_keys.sql)
INSERT INTO build_subject_keys
SELECT classification, subject_code, fiscal_year FROM loaded_key_document
UNION
SELECT classification, code, fiscal_year FROM loaded_sighting;
DELETE FROM core.dim_subject d
WHERE EXISTS (SELECT 1 FROM build_subject_keys t WHERE t.classification = d.classification
              AND t.subject_code = d.subject_code AND t.fiscal_year IS NOT DISTINCT FROM d.fiscal_year);
