-- An incremental build, after the loaded documents' subjects: their subject keys join those of the removed documents
-- (build_subject_keys), and the core.dim_subject rows of every such key leave; sql/subjects/dim_subject.sql derives
-- them again from all the documents printing them.
-- (document_subject_keys: sql/incremental/remove/10_keys.sql)
INSERT INTO build_subject_keys SELECT * FROM document_subject_keys('build_load');
DELETE FROM core.dim_subject d
WHERE EXISTS (SELECT 1 FROM build_subject_keys t WHERE t.classification = d.classification
              AND t.subject_code = d.subject_code AND t.fiscal_year IS NOT DISTINCT FROM d.fiscal_year);
