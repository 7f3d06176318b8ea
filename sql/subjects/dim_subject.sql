-- core.dim_subject (pipelines/warehouse.build, after the subjects): every row ($all: a full build, into the empty
-- table of sql/ddl), or the rows of the keys an incremental build touches (build_subject_keys: the codes and years
-- that the removed and the loaded documents print; their old rows were deleted): a key's row depends only on the
-- documents printing it.
-- One row per (classification, code, year) of every code of the loaded rows: printed, or resolved from a name or
-- an own-level code through the subject dictionary (vocab/subjects.csv, loaded as core.ref_subject by
-- pipelines/subjects.py, which also fills core.subject_resolution; the whole dictionary stays in core.ref_subject).
-- subject_name: the name printed by the most loaded documents that year (in any table), else the dictionary's
-- preferred name for that year (or the nearest year it was seen); name_source says which. dictionary_name is the dictionary's
-- preferred name, dictionary_conflict whether the dictionary saw several names for the code in one year.
-- Conflicting printed names are a dimension finding (dim_one_name_per_code, dim_name_matches_dictionary).
INSERT INTO core.dim_subject
WITH named AS (  -- each code + name pair printed in a loaded document (any table), with how many print it
    SELECT classification, code AS subject_code, fiscal_year, name AS subject_name, n_documents AS n
    FROM core.subject_name_count g
    WHERE $all OR EXISTS (SELECT 1 FROM build_subject_keys t WHERE t.classification = g.classification
                          AND t.subject_code = g.code AND t.fiscal_year IS NOT DISTINCT FROM g.fiscal_year)
),
printed AS (
    SELECT classification, subject_code, fiscal_year, first(subject_name ORDER BY n DESC, subject_name) AS subject_name,
           count(DISTINCT subject_name) AS n_names
    FROM named GROUP BY ALL
),
keys AS (  -- every code of the loaded rows, printed (a blank name cell too) or resolved (core.subject_key_document),
           -- and every code printed with a name in a table that was not normalised (core.subject_key_count)
    SELECT classification, fiscal_year, subject_code FROM core.subject_key_count k
    WHERE $all OR EXISTS (SELECT 1 FROM build_subject_keys t WHERE t.classification = k.classification
                          AND t.subject_code = k.subject_code AND t.fiscal_year IS NOT DISTINCT FROM k.fiscal_year)
),
dict AS (  -- the dictionary's preferred name per key year: the one seen that year, else the nearest year
    SELECT k.classification, k.subject_code, k.fiscal_year,
           first(r.name ORDER BY CASE WHEN k.fiscal_year IS NULL OR r.first_year IS NULL THEN 0
                                      WHEN k.fiscal_year BETWEEN r.first_year AND r.last_year THEN 0
                                      ELSE least(abs(k.fiscal_year - r.first_year), abs(k.fiscal_year - r.last_year)) END
                                     * 100000 - r.n_documents, r.name) AS dictionary_name,  -- (a tie: the first name)
           bool_or(r.conflict) AS dictionary_conflict
    FROM keys k JOIN core.ref_subject r ON r.classification = k.classification AND r.code = k.subject_code
    WHERE r.status = 'preferred'
    GROUP BY ALL
)
SELECT k.classification, k.subject_code, k.fiscal_year,
       coalesce(p.subject_name, d.dictionary_name) AS subject_name,
       coalesce(p.n_names, 0) AS n_names,
       CASE length(k.subject_code) WHEN 3 THEN '类' WHEN 5 THEN '款' WHEN 7 THEN '项' END AS level,
       CASE WHEN length(k.subject_code) > 3 THEN left(k.subject_code, length(k.subject_code) - 2) END AS parent_code,
       CASE WHEN p.subject_name IS NOT NULL THEN 'document' WHEN d.dictionary_name IS NOT NULL THEN 'dictionary' END
           AS name_source,
       d.dictionary_name, coalesce(d.dictionary_conflict, false) AS dictionary_conflict
FROM keys k
LEFT JOIN printed p ON p.classification = k.classification AND p.subject_code = k.subject_code
                   AND p.fiscal_year IS NOT DISTINCT FROM k.fiscal_year
LEFT JOIN dict d ON d.classification = k.classification AND d.subject_code = k.subject_code
                AND d.fiscal_year IS NOT DISTINCT FROM k.fiscal_year;
