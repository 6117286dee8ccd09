"""ClickHouse storage: the client (client.py: a server through clickhouse-connect, or the
embedded engine chdb), the migrations of sql/clickhouse/ (migrate.py), and the copy of the
event tables from PostgreSQL (copy.py). The event tables are ReplacingMergeTree tables read
with FINAL (see sql/clickhouse/0001_event_tables.sql)."""
