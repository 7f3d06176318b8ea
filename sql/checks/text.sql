-- Text rules (vocab/text_checks.csv, registered as core.ref_text_pattern) on the lines outside the tables:
--  text_year         a year in a heading, title or 截至…日 sentence fits the document's fiscal year
--                    (截至2023年12月31日 in a 2024 决算 is last year's text left in)
--  text_placeholder  no template placeholder ("XX局") is left in the published text (one instance a document)
--  text_department_name  the unit a table header names ("编制单位:…") is the document's department (or a part
--                    of its name: "深圳市医疗保障局(本级)" for 深圳市医疗保障局); brackets are ignored
--  toc_table_missing every table the table of contents lists is in the document (its title classified by
--                    vocab/table_titles.csv; an entry whose title is unknown is not evaluated)
WITH l AS (  -- the lines some pattern matches (the variable text_patterns: sql/checks/00_macros.sql)
    SELECT l.*, d.fiscal_year, d.phase FROM chk_fact_text_line l JOIN chk_dim_document d USING (document_id)
    WHERE regexp_matches(l.text, getvariable('text_patterns'))
),
years AS (  -- a year two patterns capture on one line (a title "2026年部门预算…表") is one instance
    SELECT DISTINCT l.document_id, l.page, l.line, l.src_ref, l.text, l.fiscal_year, p.allowed,
           unnest(regexp_extract_all(l.text, p.regex, 1)) AS y
    FROM l JOIN core.ref_text_pattern p
      ON p.rule = 'text_year' AND (p.phase = 'any' OR p.phase = l.phase)
     AND (coalesce(p.roles, '') = '' OR list_contains(string_split(p.roles, '|'), l.role))
    WHERE l.fiscal_year IS NOT NULL AND regexp_matches(l.text, p.regex)
),
names AS (  -- the unit a table header names ("编制单位:深圳市信访局"), against the document's department
    SELECT l.document_id, l.page, l.line, l.src_ref, l.text,
           regexp_replace(regexp_extract(l.text, p.regex, 1), '(金额)?单位$', '') AS unit_named,
           d.department, d.department_printed
    FROM l JOIN core.ref_text_pattern p
      ON p.rule = 'text_department_name' AND list_contains(string_split(p.roles, '|'), l.role)
    JOIN chk_dim_document d USING (document_id)
    WHERE regexp_matches(l.text, p.regex)
),
names1 AS (
    SELECT document_id, unit_named, min(department) AS department, min(department_printed) AS printed,
           min(page) AS page, min(line) AS line, string_agg(DISTINCT src_ref, ' ' ORDER BY src_ref) AS cells, count(*) AS n,
           dq_unbracketed(unit_named) AS u
    FROM names WHERE unit_named <> '' GROUP BY document_id, unit_named
),
ph AS (
    SELECT l.document_id, count(*) AS n, min(l.page) AS page, min(l.line) AS line,
           string_agg(DISTINCT l.src_ref, ' ' ORDER BY l.src_ref) AS cells, min(l.text) AS text
    FROM l JOIN core.ref_text_pattern p ON p.rule = 'text_placeholder' AND regexp_matches(l.text, p.regex)
    GROUP BY l.document_id
)
SELECT 'text_year' AS rule, document_id, NULL::INTEGER AS table_seq, NULL AS table_type, left(text, 60) AS subject,
       NULL AS measure, NULL::DECIMAL(24, 6) AS expected, NULL::DECIMAL(24, 6) AS actual,
       NULL::DECIMAL(24, 6) AS tolerance, page, line, src_ref AS cells,
       list_contains(string_split(allowed, '|'), CAST(CAST(y AS INTEGER) - fiscal_year AS VARCHAR)) AS passed,
       'year ' || y || ' in "' || left(text, 80) || '" of a document of fiscal year ' || fiscal_year AS message
FROM years
UNION ALL
SELECT 'text_placeholder', d.document_id, NULL, NULL, left(ph.text, 60), NULL, NULL, NULL, NULL, ph.page, ph.line,
       ph.cells, ph.document_id IS NULL,
       CASE WHEN ph.document_id IS NOT NULL THEN ph.n || ' line(s) with a template placeholder, e.g. "'
            || left(ph.text, 80) || '"' END
FROM chk_dim_document d LEFT JOIN ph USING (document_id)
WHERE d.document_kind IN ('budget', 'unit_budget', 'final_accounts', 'narrative_only', 'performance_targets_only')
UNION ALL
SELECT 'text_department_name', document_id, NULL, NULL, unit_named, NULL, NULL, NULL, NULL, page, line, cells,
       CASE WHEN department IS NULL AND printed IS NULL THEN NULL
            ELSE list_bool_or([contains(x, u) OR contains(u, x) FOR x IN
                 [dq_unbracketed(coalesce(department, '')), dq_unbracketed(coalesce(printed, ''))] IF x <> '']) END,
       n || ' table header(s) name the unit "' || unit_named || '", the document is of ' || coalesce(printed, department)
FROM names1
UNION ALL
SELECT 'toc_table_missing', e.document_id, NULL, e.table_type, e.title, NULL, NULL, NULL, NULL, e.page, e.line,
       e.src_ref,
       CASE WHEN e.table_type IS NULL OR NOT has_tables THEN NULL
            ELSE EXISTS (SELECT 1 FROM chk_dim_table t WHERE t.table_type = e.table_type
                         AND t.document_id IN (e.document_id, e.table_document_id)) END,
       CASE WHEN e.table_type IS NULL THEN 'not evaluated: the title "' || e.title || '" is not in the vocabulary'
            WHEN NOT has_tables THEN 'not evaluated: the publication''s tables are not among the loaded documents'
            ELSE 'the table of contents lists "' || e.title || '" but the document has no such table' END
FROM (SELECT e.*, coalesce(s.table_document_id, e.document_id) AS table_document_id,
             EXISTS (SELECT 1 FROM chk_dim_table t WHERE t.document_id IN (e.document_id, s.table_document_id)
                     AND t.table_type <> 'unclassified') AS has_tables
      FROM chk_fact_toc_entry e LEFT JOIN chk_publication_table_source s ON s.document_id = e.document_id) e
