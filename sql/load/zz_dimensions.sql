-- Dimensions derived from the loaded facts and documents.
CREATE TABLE core.dim_region AS
SELECT DISTINCT region_code, county AS name, region_level AS level, province, prefecture
FROM core.dim_document WHERE region_code IS NOT NULL;

CREATE TABLE core.dim_department AS
SELECT DISTINCT region_code || ':' || department AS department_key, region_code, department, department_code
FROM core.dim_document WHERE department IS NOT NULL;

CREATE TABLE core.dim_fiscal_period AS
SELECT DISTINCT fiscal_year, phase, CASE phase WHEN 'budget' THEN '预算' ELSE '决算' END AS phase_zh
FROM core.dim_document WHERE fiscal_year IS NOT NULL;

-- One row per (classification, code, year) with the most used name; conflicting names are a dimension finding.
CREATE TABLE core.dim_subject AS
WITH named AS (
    SELECT f.classification, f.subject_code, d.fiscal_year, f.subject_name, count(*) AS n
    FROM core.fact_budget_amount f JOIN core.dim_document d USING (document_id)
    WHERE f.subject_code IS NOT NULL AND f.classification IN ('function', 'economic')
    GROUP BY ALL
)
SELECT classification, subject_code, fiscal_year,
       arg_max(subject_name, n) AS subject_name,
       count(DISTINCT subject_name) AS n_names,
       CASE length(subject_code) WHEN 3 THEN '类' WHEN 5 THEN '款' WHEN 7 THEN '项' END AS level,
       CASE WHEN length(subject_code) > 3 THEN left(subject_code, length(subject_code) - 2) END AS parent_code
FROM named GROUP BY classification, subject_code, fiscal_year;

CREATE TABLE core.dim_indicator AS
SELECT DISTINCT md5(coalesce(level1, '') || '|' || coalesce(level2, '') || '|' || coalesce(level3, '')) AS indicator_id,
       level1, level2, level3
FROM core.fact_performance_target;

CREATE TABLE core.dim_project AS
SELECT DISTINCT md5(document_id || '|' || table_seq) AS project_id, document_id, table_seq, project, implementing_unit
FROM core.fact_project_funding;

-- Versions of one document: the same region, department, year, phase and kind (a unit's 单位预算 is not a
-- version of its department's 部门预算) published more than once (a corrected
-- republication, in place or beside the original). Ordered by the file's modification time (then SHA-256, so
-- the order is total); the newest is current, each earlier one names the version that superseded it.
-- Documents without a full identity are their own single version.
CREATE TABLE core.document_version AS
WITH k AS (
    SELECT document_id, sha256, source_mtime,
           CASE WHEN region_code IS NOT NULL AND department IS NOT NULL AND fiscal_year IS NOT NULL
                THEN concat_ws(':', region_code, department, fiscal_year, phase, document_kind) END AS document_key
    FROM core.dim_document
)
SELECT document_id, document_key,
       row_number() OVER w AS version,
       count(*) OVER (PARTITION BY coalesce(document_key, document_id)) AS versions,
       lead(document_id) OVER w AS superseded_by,
       lead(document_id) OVER w IS NULL AS is_current
FROM k
WINDOW w AS (PARTITION BY coalesce(document_key, document_id) ORDER BY source_mtime NULLS FIRST, sha256);
