-- The privacy rule's decisions (sql/0006_privacy_cells.sql) for ClickHouse: the same tables
-- and columns, which `minis refresh` writes once per complete calendar block and the
-- gateway reads with FINAL. Nothing else writes them.
--
-- PostgreSQL's primary keys are the ORDER BY keys of ReplacingMergeTree tables: rows
-- sharing a key are one row once merged, and FINAL reads one row for each key before. The
-- tables are small (cells of decided blocks), so they have no partitions. What PostgreSQL
-- deletes (an app's cells when its rule changed, its days before they are rebuilt) a
-- writer here deletes with DELETE FROM ... WHERE app_id = ..., before inserting again.
-- Types as in 0001_event_tables.sql (smallint Int16). IF NOT EXISTS: see 0001.

-- Every decided cell with protected-region rows (see sql/0006_privacy_cells.sql for the
-- columns). A decision is final: the refresh inserts only cells not stored yet, so rows
-- sharing a key are the same decision inserted twice.
CREATE TABLE IF NOT EXISTS minis_privacy_cells (
    app_id    String,
    level     Int16,
    lo        Date,
    hi        Date,
    os        LowCardinality(String),
    users     Int64,
    remainder Nullable(Int64),
    only_os   LowCardinality(Nullable(String)),
    shown     Bool
)
ENGINE = ReplacingMergeTree
ORDER BY (app_id, level, lo, os);

-- Per app, os key and day that a shown cell holds: the smallest shown cell holding it
-- [clo, chi].
CREATE TABLE IF NOT EXISTS minis_privacy_days (
    app_id String,
    os     LowCardinality(String),
    day    Date,
    clo    Date,
    chi    Date
)
ENGINE = ReplacingMergeTree
ORDER BY (app_id, os, day);

-- Which rule the app's decisions follow and the last day of the blocks decided so far.
-- PostgreSQL updates the app's row in place; here each decision inserts a row, and the
-- one with the latest decided_at is the app's (ReplacingMergeTree's version column).
CREATE TABLE IF NOT EXISTS minis_privacy_state (
    app_id          String,
    signature       String,
    decided_through Date,
    decided_at      DateTime64(6, 'UTC') DEFAULT now64(6)
)
ENGINE = ReplacingMergeTree(decided_at)
ORDER BY app_id;
