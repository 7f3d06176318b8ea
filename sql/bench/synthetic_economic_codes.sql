-- How many economic codes the shipped dictionary ($csv, vocab/subjects.csv) has: bench/warehouse.py's synthetic
-- documents print at most these.
SELECT count(DISTINCT code) FROM read_csv($csv, all_varchar = true) WHERE status = 'preferred' AND classification = 'economic'
