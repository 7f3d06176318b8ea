-- The documents this build checks: every document ($all: a full build), else the new or changed documents and every
-- document of a department (region + department) that has a new, changed or removed document.
CREATE OR REPLACE TABLE core.check_scope AS
WITH keys AS (
    SELECT region_code, department FROM build_keys
    UNION
    SELECT region_code, department FROM core.dim_document
    WHERE document_id IN (SELECT document_id FROM build_load) AND region_code IS NOT NULL AND department IS NOT NULL
)
SELECT d.document_id FROM core.dim_document d
WHERE $all OR d.document_id IN (SELECT document_id FROM build_load)
   OR EXISTS (SELECT 1 FROM keys k WHERE k.region_code = d.region_code AND k.department = d.department)
