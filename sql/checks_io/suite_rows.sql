-- What the suite of one family validates: its rules' instances (id, rule, the value its expectation reads).
SELECT i.check_id, i.rule, i.excess, i.passed
FROM check_instance i JOIN check_rule r USING (rule)
WHERE r.family = $family;
