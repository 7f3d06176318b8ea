-- Tables derived from every document (sql/load/zz_dimensions.sql) are derived again after the load.
DROP TABLE core.dim_region;
DROP TABLE core.dim_department;
DROP TABLE core.dim_fiscal_period;
DROP TABLE core.dim_indicator;
DROP TABLE core.dim_project;
DROP TABLE core.document_version;
DROP TABLE core.publication_table_source;
