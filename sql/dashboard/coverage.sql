-- Coverage matrix: per document (region × year × phase × department) and table type:
-- present / declared_empty / missing. Mandatory tables count as missing only in documents whose kind carries
-- the standard table set (budget, unit_budget, final_accounts: the completeness rule's scope); a narrative-only
-- or performance-only document shows them blank. Documents with no phase (not_budget, not_pdf) have no row here:
-- they are listed with their kind in marts.documents.
WITH docs AS (SELECT document_id, county, region_code, department, fiscal_year, phase, document_kind
              FROM marts.documents WHERE is_current AND phase IS NOT NULL),
set_docs AS (
    SELECT document_id FROM core.dim_document WHERE document_kind IN ('budget', 'unit_budget', 'final_accounts')
),
types AS (
    SELECT phase, table_type FROM core.ref_mandatory_table
    UNION SELECT DISTINCT d.phase, t.table_type FROM core.dim_table t JOIN core.dim_document d USING (document_id)
    WHERE d.phase IS NOT NULL
),
have AS (
    SELECT document_id, table_type, bool_or(declared_empty) AS declared_empty, count(*) AS n
    FROM core.dim_table GROUP BY ALL
)
SELECT d.county, d.region_code, d.department, d.fiscal_year, d.phase, d.document_kind, t.table_type,
       CASE WHEN h.n IS NULL THEN
                CASE WHEN (d.phase, t.table_type) IN (SELECT (phase, table_type) FROM core.ref_mandatory_table)
                      AND d.document_id IN (SELECT document_id FROM set_docs) THEN 'missing' ELSE '' END
            WHEN h.declared_empty THEN 'declared_empty' ELSE 'present' END AS status,
       coalesce(h.n, 0) AS n
FROM docs d JOIN types t ON t.phase = d.phase LEFT JOIN have h ON h.document_id = d.document_id AND h.table_type = t.table_type
ORDER BY d.region_code, d.fiscal_year, d.phase, d.department, t.table_type;
