-- Star schema. Money is DECIMAL(20,6): exact, in the published unit (amount) and in 万元 (amount_wan).
CREATE TABLE core.dim_document (
    document_id      VARCHAR PRIMARY KEY,   -- first 16 hex digits of sha256
    source_path      VARCHAR NOT NULL,
    sha256           VARCHAR NOT NULL,
    bytes            BIGINT,
    file_type        VARCHAR,
    parser_version   VARCHAR,
    region_code      VARCHAR,
    county           VARCHAR,
    region_level     VARCHAR,
    province         VARCHAR,
    prefecture       VARCHAR,
    department       VARCHAR,
    department_code  VARCHAR,
    fiscal_year      INTEGER,
    phase            VARCHAR CHECK (phase IN ('budget', 'final')),   -- NULL: not a budget document
    department_printed VARCHAR,             -- the department as the document prints it (department: canonical)
    -- what the document is (vocab/document_kinds.csv): only budget / unit_budget / final_accounts must carry
    -- the standard table set; the others are classified, never parse failures
    document_kind    VARCHAR CHECK (document_kind IN ('budget', 'unit_budget', 'final_accounts',
                                                      'performance_targets_only', 'narrative_only',
                                                      'evaluation_report', 'not_budget', 'not_pdf',
                                                      'unreadable')),
    -- where each value came from, a JSON object field -> source, e.g. {"department": "cover",
    -- "fiscal_year": "running head", "region_code": "cover"}; sources: cover, running head, table meta,
    -- title, file name, manifest
    metadata_source  VARCHAR,
    unit             VARCHAR,
    pages            INTEGER,
    n_tables         INTEGER,
    seconds          DOUBLE,
    source_mtime     TIMESTAMP,             -- when the file was last written: orders republished versions
    synthetic        BOOLEAN NOT NULL DEFAULT FALSE, -- the document says it was made up (the forge's mark): never published
    copy_protected   BOOLEAN NOT NULL DEFAULT FALSE, -- encrypted, permissions forbid copying text: read all the same
    published_at     DATE                   -- publication / revision date (manifest `published_at`): orders versions first
);

CREATE TABLE core.ingest_errors (
    document_id  VARCHAR,
    source_path  VARCHAR NOT NULL,
    sha256       VARCHAR,
    error_kind   VARCHAR NOT NULL,
    error        VARCHAR NOT NULL,
    hint         VARCHAR
);

CREATE TABLE core.dim_table (
    document_id    VARCHAR NOT NULL REFERENCES core.dim_document (document_id),
    table_seq      INTEGER NOT NULL,
    table_type     VARCHAR NOT NULL,
    kind           VARCHAR,
    title          VARCHAR,
    first_page     INTEGER,
    pages          VARCHAR,
    line           INTEGER,
    n_rows         INTEGER,
    declared_empty BOOLEAN,
    unit           VARCHAR,
    status         VARCHAR,
    PRIMARY KEY (document_id, table_seq)
);

CREATE TABLE core.fact_table_cell (
    document_id VARCHAR NOT NULL, table_seq INTEGER NOT NULL, row_idx INTEGER NOT NULL, col_idx INTEGER NOT NULL,
    text VARCHAR, page INTEGER, line INTEGER, src_table INTEGER, src_row INTEGER, src_col INTEGER, src_ref VARCHAR,
    source_method VARCHAR,   -- 'text' (the PDF's text layer, a text export) | 'ocr' (read from the page image)
    ocr_confidence DOUBLE    -- OCR: the lowest character probability of the cell's text (NULL: not OCR / empty cell)
);

CREATE TABLE core.fact_budget_amount (
    document_id    VARCHAR NOT NULL,
    table_seq      INTEGER NOT NULL,
    table_type     VARCHAR NOT NULL,
    classification VARCHAR,      -- function | economic | summary | unit_block | asset
    subject_code   VARCHAR,
    subject_name   VARCHAR,
    subject_level  VARCHAR,      -- 类 | 款 | 项 | total | item | unit
    side           VARCHAR,      -- 收入 | 支出 for summary tables
    parent_item    VARCHAR,
    measure        VARCHAR NOT NULL,  -- the canonical measure, or the published header path when unknown
    canonical_measure VARCHAR,    -- vocab/measures.csv name; NULL for a column the vocabulary does not know
    header_path    VARCHAR,       -- the published header labels over the column ('本年收入/一般公共预算')
    amount         DECIMAL(20, 6),  -- as published, in `unit`
    amount_wan     DECIMAL(20, 6),  -- converted to 万元
    amount_text    VARCHAR,
    decimals       INTEGER,
    unit           VARCHAR,
    row_idx        INTEGER,
    col_idx        INTEGER,
    page           INTEGER,
    line           INTEGER,
    src_ref        VARCHAR,
    source_method  VARCHAR,       -- 'text' | 'ocr' (read from the page image: pipelines/readers/ocr.py)
    ocr_confidence DOUBLE         -- OCR: lowest character probability of the amount cell (vocab/ocr.csv floor)
);

CREATE TABLE core.fact_project_funding (
    document_id VARCHAR NOT NULL, table_seq INTEGER NOT NULL, project VARCHAR, department VARCHAR,
    implementing_unit VARCHAR,
    total_wan DECIMAL(20, 6), appropriation_wan DECIMAL(20, 6), carryover_wan DECIMAL(20, 6), other_wan DECIMAL(20, 6),
    total_text VARCHAR, appropriation_text VARCHAR, carryover_text VARCHAR, other_text VARCHAR,
    has_funding_block BOOLEAN, page INTEGER, line INTEGER, src_ref VARCHAR
);

CREATE TABLE core.fact_performance_target (
    document_id VARCHAR NOT NULL, table_seq INTEGER NOT NULL, scope VARCHAR, project VARCHAR,
    level1 VARCHAR, level2 VARCHAR, level3 VARCHAR, description VARCHAR,
    target_text VARCHAR, comparator VARCHAR, target_value DECIMAL(24, 6), target_unit VARCHAR, target_parsed BOOLEAN,
    basis VARCHAR, row_idx INTEGER, parse_note VARCHAR, page INTEGER, line INTEGER, src_ref VARCHAR
);

CREATE TABLE core.fact_narrative_figure (
    document_id VARCHAR NOT NULL, seq INTEGER, label VARCHAR, value DECIMAL(20, 6), value_text VARCHAR, unit VARCHAR,
    sentence VARCHAR, page INTEGER, line INTEGER, src_ref VARCHAR
);

-- Claims the narrative makes about its own figures (pipelines/narrative.py): kind rate | comparison | change | share;
-- x, y the two amounts (万元) and x_half, y_half their rounding; stated the published percentage; word_sign the
-- direction the words give (1 more/up, -1 less/down, 0 equal), stated_sign that of a change's percentage word.
CREATE TABLE core.fact_narrative_claim (
    document_id VARCHAR NOT NULL, seq INTEGER, kind VARCHAR, x DECIMAL(24, 6), y DECIMAL(24, 6), stated DECIMAL(24, 6),
    stated_decimals INTEGER, x_half DECIMAL(24, 8), y_half DECIMAL(24, 8), word VARCHAR, word_sign INTEGER,
    stated_sign INTEGER, sentence VARCHAR, page INTEGER, line INTEGER, src_ref VARCHAR, figure_seq INTEGER
);
-- Every text line outside the tables (cover, table of contents, headings, narrative), as read.
CREATE TABLE core.fact_text_line (
    document_id VARCHAR NOT NULL, seq INTEGER, text VARCHAR, page INTEGER, line INTEGER, src_ref VARCHAR,
    role VARCHAR  -- 'toc' (a table-of-contents page), 'title' (a table's title), else 'text'
);
-- Table-of-contents entries that name a table, with the table type the title classifies as (NULL: unknown title).
CREATE TABLE core.fact_toc_entry (
    document_id VARCHAR NOT NULL, seq INTEGER, title VARCHAR, table_type VARCHAR, page INTEGER, line INTEGER,
    src_ref VARCHAR
);
CREATE TABLE core.parse_issues (
    document_id VARCHAR NOT NULL, table_seq INTEGER, table_type VARCHAR, rule VARCHAR, severity VARCHAR,
    message VARCHAR, page INTEGER, line INTEGER, src_ref VARCHAR
);

-- Every code + name pair printed in a document, normalised table or not, with its name key and first page
-- (pipelines/subjects.register): what dim_name_matches_dictionary compares, and the sightings of core.dim_subject.
CREATE TABLE core.subject_sighting (
    document_id VARCHAR, table_seq INTEGER, table_type VARCHAR, classification VARCHAR, code VARCHAR, name VARCHAR,
    name_key VARCHAR, fiscal_year INTEGER, page INTEGER
);

-- Each subject row's code as printed and as resolved (pipelines/subjects.register: printed, or resolved from a name or an
-- own-level code through the subject dictionary), per document.
CREATE TABLE core.subject_resolution (
    document_id VARCHAR, table_seq INTEGER, row_idx INTEGER, subject_code VARCHAR, subject_name VARCHAR,
    subject_code_resolved VARCHAR, code_source VARCHAR, resolution_note VARCHAR
);

-- Each document's names of each subject code and year (sql/subjects/names_by_document.sql): the input of the
-- subject-name census and of dim_one_name_per_code.
CREATE TABLE core.subject_name_document (
    document_id VARCHAR NOT NULL, code VARCHAR, classification VARCHAR, fiscal_year INTEGER, subject_name VARCHAR,
    page INTEGER
);

-- Each document's subject codes per classification and year, printed or resolved (sql/subjects/keys_by_document.sql):
-- with core.subject_sighting, the keys of core.dim_subject.
CREATE TABLE core.subject_key_document (
    document_id VARCHAR NOT NULL, classification VARCHAR, fiscal_year INTEGER, subject_code VARCHAR
);
-- How many documents print each subject key, each printed name of a key (core.subject_sighting) and each name of the
-- subject-name census (core.subject_name_document): what core.dim_subject and the census derive from. Counted whole
-- by a full build (sql/subjects/counts_all.sql), brought up to date by an incremental one
-- (sql/incremental/counts.sql: the loaded documents' counts added, the removed ones' taken off): a change costs its
-- own documents' rows, not every document's.
CREATE TABLE core.subject_key_count (
    classification VARCHAR, subject_code VARCHAR, fiscal_year INTEGER, n_documents BIGINT
);
CREATE TABLE core.subject_name_count (
    classification VARCHAR, code VARCHAR, fiscal_year INTEGER, name VARCHAR, n_documents BIGINT
);
CREATE TABLE core.subject_census_count (
    code VARCHAR, classification VARCHAR, fiscal_year INTEGER, subject_name VARCHAR, n_documents BIGINT
);
-- The subject dimension: one row per (classification, code, year) of the loaded documents (sql/subjects/dim_subject.sql).
CREATE TABLE core.dim_subject (
    classification VARCHAR, subject_code VARCHAR, fiscal_year INTEGER, subject_name VARCHAR, n_names BIGINT,
    level VARCHAR, parent_code VARCHAR, name_source VARCHAR, dictionary_name VARCHAR, dictionary_conflict BOOLEAN
);

-- What this file was built from: a digest of the staged documents' names (content hash + parser version),
-- the SQL, the suites and the check code. A refresh whose inputs have the same digest has nothing to do.
-- code_fingerprint: the SQL, suites, vocabularies and build code alone; mode: 'full' (every row loaded) or
-- 'incremental' (a copy of the previous file with the rows of new, changed and removed documents replaced).
CREATE TABLE core.build_info (fingerprint VARCHAR NOT NULL, built_at TIMESTAMP NOT NULL, code_fingerprint VARCHAR,
                              mode VARCHAR);
-- The staged documents this file was built from (the next build compares its inputs with them): the staged folder's
-- name (content hash + parser version), a digest of its document record, and where the file was.
CREATE TABLE core.build_documents (document_id VARCHAR, staged_name VARCHAR, record_sha VARCHAR, source_path VARCHAR);
-- The documents the last build re-checked (every document in a full build), and the subject codes on which it
-- re-evaluated the corpus-wide rules, with their years (none in a full build, which evaluates every instance).
CREATE TABLE core.check_scope (document_id VARCHAR);
CREATE TABLE core.check_scope_code (classification VARCHAR, code VARCHAR, fiscal_year INTEGER);
