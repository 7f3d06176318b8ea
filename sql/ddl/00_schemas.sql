-- Schemas of the warehouse: core (star schema), dq (checks), marts (analyst contract).
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS dq;
CREATE SCHEMA IF NOT EXISTS marts;
