-- bench/warehouse.py's synthetic corpus, shaped like a department budget (its _TABLES, filled first as the
-- table `tables`): $csv the shipped dictionary (vocab/subjects.csv), $f and $e how many function and economic codes
-- each document prints, documents $first to $first + $docs - 1.
-- The subject rows every document prints: the first codes (by code, so each one's parents too) with their names.
CREATE TABLE codes AS
WITH dict AS (
    SELECT classification, code, name, level
    FROM read_csv($csv, all_varchar = true)
    WHERE status = 'preferred' AND classification IN ('function', 'economic')
    QUALIFY row_number() OVER (PARTITION BY classification, code ORDER BY name) = 1
), pick AS (
    SELECT *, row_number() OVER (PARTITION BY classification ORDER BY code) - 1 AS j FROM dict
    QUALIFY j < CASE classification WHEN 'function' THEN $f ELSE $e END
)
SELECT p.*, NOT EXISTS (SELECT 1 FROM pick c WHERE c.classification = p.classification
                               AND c.code <> p.code AND starts_with(c.code, p.code)) AS leaf
FROM pick p;
-- Amounts of each document's code and measure: a leaf's from a hash (cents), a parent's (类, 款) the sum of the
-- leaves under it; the same in every table that prints the code.
CREATE TABLE amounts AS
WITH leaves AS (
    SELECT d, c.classification, c.code, k, CAST(hash(d, c.code, k) % 10000000 AS DECIMAL(20, 2)) / 100 AS amount
    FROM range($first, $first + $docs) r(d), codes c, range(2, 6) m(k) WHERE c.leaf
)
SELECT * FROM leaves
UNION ALL
SELECT l.d, c.classification, c.code, l.k, sum(l.amount)
FROM codes c JOIN leaves l ON l.classification = c.classification AND starts_with(l.code, c.code)
                          AND length(c.code) IN (3, 5) AND left(l.code, length(c.code)) = c.code
WHERE NOT c.leaf GROUP BY ALL;
-- One fact per table, code and measure, 合计 the sum of the row's other measures.
CREATE TABLE facts AS
WITH parts AS (
    SELECT a.d, t.table_seq, t.table_type, t.classification, c.j, c.code, c.name, c.level, a.k,
           t.measures[a.k] AS measure, a.amount
    FROM tables t JOIN codes c USING (classification)
    JOIN amounts a ON a.classification = c.classification AND a.code = c.code AND a.k <= len(t.measures)
)
SELECT * FROM parts
UNION ALL
SELECT d, table_seq, table_type, classification, j, code, name, level, 1, '合计', sum(amount) FROM parts
GROUP BY ALL;
