-- What the refresh needs to count users first seen in a cell from the days it rebuilds only
-- (gateway/storage/frontier.py): per app, for each cell of a rollup's `firsts` (source, the
-- first's bitmap key, the cell's dims as in minis_rollup_cells), the users seen in it on any
-- day up to the app's `frontier_through`, as a bitmap of user ordinals. Written with the rest
-- of the app's derived data, in the same transaction; a cell without users has no row.
CREATE TABLE minis_rollup_frontier (
    app_id text   NOT NULL,
    source text   NOT NULL,
    key    text   NOT NULL,
    dims   text[] NOT NULL,
    bits   varbit NOT NULL,
    PRIMARY KEY (app_id, source, key, dims)
);

-- Every refresh rewrites an app's frontier (at scale 10, 27 MB of mostly sparse bitmaps for
-- the biggest app): lz4 compresses it about ten times faster than the default pglz (2.6 s of
-- a one-day refresh). A server built without lz4 keeps pglz.
DO $$
BEGIN
    ALTER TABLE minis_rollup_frontier ALTER COLUMN bits SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    NULL;
END
$$;

-- The day the frontier is of (null: none stored, the next refresh reads the earlier rows).
ALTER TABLE minis_rollup_state ADD COLUMN frontier_through date;
