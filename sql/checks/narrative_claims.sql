-- Claims the narrative makes about its own figures (chk_fact_narrative_claim, read by pipelines/narrative.py),
-- checked without any table: the sentence's words against the sentence's numbers.
--  narrative_rate       完成年初预算的Z%            Z = Y ÷ X × 100
--  narrative_share      X …占(T的)p%               p = X ÷ T × 100
--  narrative_change     A …比上年增加/减少D, 增长p%  p = D ÷ (A ∓ D) × 100
--  narrative_direction  决算数大于/小于/等于年初预算数 agrees with Y − X; 增加 … 下降p% never mix
-- Tolerance: half a unit of the stated percentage plus what the rounding of the two amounts (x_half, y_half,
-- in 万元) can move the ratio. A claim with a zero base cannot be evaluated (actual NULL: counted, not passed).
WITH c AS (SELECT * FROM chk_fact_narrative_claim),
ratio AS (
    SELECT c.*,
           CASE kind WHEN 'rate' THEN x WHEN 'share' THEN y
                     WHEN 'change' THEN CASE WHEN word_sign = 1 THEN x - y ELSE x + y END END AS base,
           CASE kind WHEN 'rate' THEN y WHEN 'share' THEN x WHEN 'change' THEN y END AS part,
           CASE kind WHEN 'rate' THEN x_half WHEN 'share' THEN y_half WHEN 'change' THEN x_half + y_half END AS base_half,
           CASE kind WHEN 'rate' THEN y_half WHEN 'share' THEN x_half WHEN 'change' THEN y_half END AS part_half
    FROM c WHERE kind IN ('rate', 'share', 'change')
)
SELECT 'narrative_' || kind AS rule, document_id, NULL::INTEGER AS table_seq, NULL AS table_type,
       word AS subject, '%' AS measure, stated AS expected,
       CASE WHEN base IS NOT NULL AND abs(base) > base_half
            THEN CAST(part / base * 100 AS DECIMAL(24, 6)) END AS actual,
       CASE WHEN base IS NOT NULL AND abs(base) > base_half
            THEN CAST(dq_tol(1, stated_decimals)
                      + 100 * (part_half / (abs(base) - base_half)
                               + abs(part) * base_half / (abs(base) * (abs(base) - base_half))) AS DECIMAL(24, 6))
       END AS tolerance,
       page, line, src_ref AS cells, NULL::BOOLEAN AS passed,
       CASE WHEN base IS NULL OR abs(base) <= base_half THEN 'not evaluated: zero base'
            ELSE '"' || word || stated || '%" but the sentence''s own figures give '
                 || CAST(round(part / base * 100, stated_decimals + 2) AS VARCHAR) || '%: ' || left(sentence, 120)
       END AS message
FROM ratio
UNION ALL
SELECT 'narrative_direction', document_id, NULL, NULL, word, NULL, x, y, x_half + y_half, page, line, src_ref,
       CASE word_sign WHEN 1 THEN NOT (y < x - (x_half + y_half))
                      WHEN -1 THEN NOT (y > x + (x_half + y_half))
                      WHEN 0 THEN abs(y - x) <= x_half + y_half END,
       CASE WHEN word_sign IS NULL THEN NULL
            WHEN word_sign = 1 AND y < x - (x_half + y_half) OR word_sign = -1 AND y > x + (x_half + y_half)
                 OR word_sign = 0 AND abs(y - x) > x_half + y_half
            THEN '"' || word || '" but 决算 ' || y || ' vs 预算 ' || x || ': ' || left(sentence, 120) END
FROM c WHERE kind = 'comparison'
UNION ALL
SELECT 'narrative_direction', document_id, NULL, NULL, word, NULL, NULL, NULL, NULL, page, line, src_ref,
       word_sign = stated_sign,
       CASE WHEN word_sign <> stated_sign THEN '"' || word || '": the change and its percentage go opposite ways: '
            || left(sentence, 120) END
FROM c WHERE kind = 'change' AND stated_sign IS NOT NULL
