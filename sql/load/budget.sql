-- Published amounts keep their unit; amount_wan converts 元 to 万元 exactly.
-- (staged_budget: also read by an incremental build for the subject steps, sql/subjects/loaded_budget.sql)
CREATE OR REPLACE TEMP MACRO staged_budget(files) AS TABLE
SELECT *,
       CASE unit WHEN '元' THEN CAST(amount / 10000 AS DECIMAL(20, 6))
                 WHEN '亿元' THEN CAST(amount * 10000 AS DECIMAL(20, 6))
                 WHEN '千元' THEN CAST(amount / 10 AS DECIMAL(20, 6))
                 ELSE amount END AS amount_wan
FROM read_parquet(files, union_by_name = true);
INSERT INTO core.fact_budget_amount BY NAME SELECT * FROM staged_budget($files);
