-- Dimensions derived from the loaded documents (core.dim_subject: sql/subjects/dim_subject.sql, run before this).
CREATE TABLE core.dim_region AS
SELECT DISTINCT region_code, county AS name, region_level AS level, province, prefecture
FROM core.dim_document WHERE region_code IS NOT NULL;

CREATE TABLE core.dim_department AS
SELECT DISTINCT region_code || ':' || department AS department_key, region_code, department, department_code
FROM core.dim_document WHERE department IS NOT NULL;

CREATE TABLE core.dim_fiscal_period AS
SELECT DISTINCT fiscal_year, phase, CASE phase WHEN 'budget' THEN '预算' ELSE '决算' END AS phase_zh
FROM core.dim_document WHERE fiscal_year IS NOT NULL;

CREATE TABLE core.dim_indicator AS
SELECT DISTINCT md5(coalesce(level1, '') || '|' || coalesce(level2, '') || '|' || coalesce(level3, '')) AS indicator_id,
       level1, level2, level3
FROM core.fact_performance_target;

CREATE TABLE core.dim_project AS
SELECT DISTINCT md5(document_id || '|' || table_seq) AS project_id, document_id, table_seq, project, implementing_unit
FROM core.fact_project_funding;

-- Publications, parts and versions. A publication is everything one department published for one region, year
-- and phase (document_key; a unit's 单位预算 is a publication of its own, not a part of its department's). Its files are *parts* when they carry different kinds of content — the table set
-- (at least three standard budget table types recognised by their titles), performance-target tables only,
-- or narrative (情况说明 and anything else) — and all parts are current. Files of the same part are *versions*
-- of it (a corrected republication, in place or beside the original), ordered by the publication or revision
-- date where the manifest gives one (`published_at`; a version without one comes first), then by the file's
-- modification time: the newest is current and each earlier one names the version that superseded it. Versions whose order
-- cannot be decided (the same date and modification time) all stay current; the check `version_order_undecided`
-- reports them — never a silent tie-break. Documents without a full identity are their own publication.
CREATE TABLE core.document_version AS
WITH parts AS (
    SELECT d.document_id,
           CASE WHEN (SELECT count(DISTINCT t.table_type) FROM core.dim_table t
                       WHERE t.document_id = d.document_id AND t.n_rows > 0
                         AND t.kind IN ('subject', 'pair_summary', 'three_public')) >= 3 THEN 'tables'
                WHEN EXISTS (SELECT 1 FROM core.dim_table t WHERE t.document_id = d.document_id AND t.n_rows > 0
                               AND t.kind IN ('perf_project', 'perf_unit')) THEN 'performance'
                ELSE 'narrative' END AS part
    FROM core.dim_document d
),
k AS (
    SELECT d.document_id, d.sha256, d.source_mtime, d.published_at, p.part,
           CASE WHEN region_code IS NOT NULL AND department IS NOT NULL AND fiscal_year IS NOT NULL
                -- a unit's 单位预算 is a publication of its own, not a part or version of its department's 部门预算
                THEN concat_ws(':', region_code, department, fiscal_year, phase,
                               CASE WHEN document_kind = 'unit_budget' THEN 'unit' END) END AS document_key
    FROM core.dim_document d JOIN parts p USING (document_id)
),
ranked AS (
    SELECT *, coalesce(document_key, document_id) AS publication_key,
           dense_rank() OVER (PARTITION BY coalesce(document_key, document_id), part
                              ORDER BY published_at NULLS FIRST, source_mtime NULLS FIRST) AS version
    FROM k
),
sized AS (
    SELECT *, max(version) OVER (PARTITION BY publication_key, part) AS versions,
           count(*) OVER (PARTITION BY publication_key, part, version) AS same_rank
    FROM ranked
)
SELECT s.document_id, s.document_key, s.publication_key, s.part, s.version, s.versions,
       (SELECT min(n.document_id) FROM sized n
         WHERE n.publication_key = s.publication_key AND n.part = s.part AND n.version = s.version + 1) AS superseded_by,
       s.version = s.versions AS is_current,
       s.same_rank > 1 AS order_undecided
FROM sized s;

-- Where the narrative of a document finds its tables: its own when it is the table part, else the current
-- table part of the same publication (a narrative published as a file of its own is checked against its own
-- year's tables).
CREATE TABLE core.publication_table_source AS
SELECT v.document_id,
       CASE WHEN v.part = 'tables' THEN v.document_id
            ELSE (SELECT min(o.document_id) FROM core.document_version o
                  WHERE o.publication_key = v.publication_key AND o.part = 'tables' AND o.is_current) END
           AS table_document_id
FROM core.document_version v;
