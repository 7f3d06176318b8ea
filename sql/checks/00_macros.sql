-- Rounding tolerance: each of n published figures rounded to d decimals may be off by half a unit
-- in its last place, so a sum of n terms compared with a published total may differ by n/2 units.
CREATE OR REPLACE MACRO dq_tol(n, d) AS CAST((n) * 0.5 * pow(10, -(d)) AS DECIMAL(24, 6));
-- A name without its bracketed parts ("深圳市医疗保障局(本级)" → "深圳市医疗保障局").
CREATE OR REPLACE MACRO dq_unbracketed(x) AS regexp_replace(x, '[(（][^)）]*[)）]', '', 'g');
