-- Every row or column name printed in a 三公 table (pipelines/dictionary._register_three_public_items maps each to
-- its item): $types, the table types of kind three_public in pipelines/registry.py (a table's kind is its type's)
-- and gpb_admin_cost. Filtered on the facts' own table_type, not joined to core.dim_table: the join read every
-- fact's document and table (0.12-0.14 s at 10 M facts, on every incremental build), the filter skips them.
SELECT DISTINCT table_type, x
FROM (SELECT table_type, subject_name, canonical_measure FROM core.fact_budget_amount
      WHERE table_type IN (SELECT unnest(CAST($types AS VARCHAR[])))) f,
     unnest([f.subject_name, f.canonical_measure]) AS u(x)
WHERE x IS NOT NULL
