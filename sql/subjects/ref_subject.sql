-- core.ref_subject: the shipped subject dictionary (vocab/subjects.csv) with each name's key (pipelines/subjects.register
-- fills it; sql/subjects/dim_subject.sql and the subject checks read it).
CREATE OR REPLACE TABLE core.ref_subject (classification VARCHAR, scheme VARCHAR, code VARCHAR, name VARCHAR,
    name_key VARCHAR, level VARCHAR, parent_code VARCHAR, first_year INTEGER, last_year INTEGER, n_documents INTEGER,
    status VARCHAR, conflict BOOLEAN, variants VARCHAR, first_seen VARCHAR)
