-- One row: a number every load, demo build and refresh raises in its own transaction, so that
-- a gateway's cache of answers knows when the data it answered from has changed.
-- gateway/serving/data_version.py raises it and announces it with NOTIFY minis_data_version.
CREATE TABLE minis_data_version (
    id         integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    version    bigint NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO minis_data_version (id, version) VALUES (1, 1);
