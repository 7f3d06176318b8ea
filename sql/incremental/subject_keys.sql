-- An incremental build, after the loaded documents' subjects: their subject keys join those of the removed documents
-- (build_subject_keys), and the core.dim_subject rows of every such key leave; sql/subjects/dim_subject.sql derives
-- them again from all the documents printing them.
INSERT INTO build_subject_keys
SELECT classification, subject_code, fiscal_year FROM core.subject_key_document
WHERE document_id IN (SELECT document_id FROM build_load)
UNION
SELECT classification, code, fiscal_year FROM core.subject_sighting
WHERE document_id IN (SELECT document_id FROM build_load);
DELETE FROM core.dim_subject d
WHERE EXISTS (SELECT 1 FROM build_subject_keys t WHERE t.classification = d.classification
              AND t.subject_code = d.subject_code AND t.fiscal_year IS NOT DISTINCT FROM d.fiscal_year);
