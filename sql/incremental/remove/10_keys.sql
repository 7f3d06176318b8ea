-- An incremental build (pipelines/warehouse.build): build_removed holds the documents that are gone or changed.
-- Their departments (region + department, as the previous build identified them) are re-checked.
INSERT INTO build_keys
SELECT DISTINCT region_code, department FROM core.dim_document
WHERE document_id IN (SELECT document_id FROM build_removed) AND region_code IS NOT NULL AND department IS NOT NULL;
