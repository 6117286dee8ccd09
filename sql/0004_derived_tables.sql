-- Derived tables that `minis refresh` builds from the event tables and the gateway reads
-- (semantic/rollups.py describes what they hold). Nothing else writes them.

-- Dense per-app user numbers, in order of first appearance: bit i of a bitmap is user i.
CREATE TABLE minis_user_ordinals (
    app_id  text    NOT NULL,
    user_id text    NOT NULL,
    ordinal integer NOT NULL,
    PRIMARY KEY (app_id, user_id),
    UNIQUE (app_id, ordinal)
);

-- Additive partials of a source's measures per app, UTC day and cell. `dims` holds the
-- cell's value of each rollup dimension ('*': all values; '~' for the region: every
-- unprotected region); `sums` the partials in the rollup's order.
CREATE TABLE minis_rollup_cells (
    app_id text      NOT NULL,
    source text      NOT NULL,
    gset   integer   NOT NULL,  -- the grouping set: bit i set when dims[i + 1] is not '*'
    day    date      NOT NULL,
    dims   text[]    NOT NULL,
    sums   numeric[] NOT NULL
);
CREATE INDEX minis_rollup_cells_day ON minis_rollup_cells (app_id, source, gset, day);

-- The users of a distinct-user measure per app, day and cell: as a bitmap of ordinals
-- (`bits`, of the app's `bitmap_length` bits) when they are many, else as the sorted array of
-- their ordinals (`ords`). `twice`: the users with two or more rows.
CREATE TABLE minis_rollup_bitmaps (
    app_id text      NOT NULL,
    source text      NOT NULL,
    key    text      NOT NULL,
    twice  boolean   NOT NULL,
    gset   integer   NOT NULL,
    day    date      NOT NULL,
    dims   text[]    NOT NULL,
    bits   varbit,
    ords   integer[],
    CHECK ((bits IS NULL) <> (ords IS NULL))
);
CREATE INDEX minis_rollup_bitmaps_day ON minis_rollup_bitmaps (app_id, source, key, twice, gset, day);

-- How far each app's derived data is built, from which model (`signature`) and from which
-- state of its raw data (`data_version`, compared with minis_app_changes.version).
CREATE TABLE minis_rollup_state (
    app_id        text        PRIMARY KEY,
    signature     text        NOT NULL,
    protected     text[]      NOT NULL,  -- the regions its '~' cells leave out
    built_through date        NOT NULL,
    bitmap_length integer     NOT NULL,
    data_version  bigint      NOT NULL,
    refreshed_at  timestamptz NOT NULL DEFAULT now()
);

-- Raw data changes per app: every load that adds rows of an app bumps `version` and lowers
-- `dirty_from` to the earliest day it touched; a refresh rebuilds from there.
CREATE TABLE minis_app_changes (
    app_id     text   PRIMARY KEY,
    version    bigint NOT NULL DEFAULT 0,
    dirty_from date
);

-- {users in any, users in at least two} of the bitmaps aggregated: repeat users of a range
-- from its daily bitmaps of users and of users with two rows.
CREATE FUNCTION minis_ones_twos_step(state varbit[], bits varbit)
RETURNS varbit[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF state IS NULL THEN
        RETURN ARRAY[bits, bits # bits];
    END IF;
    RETURN ARRAY[state[1] | bits, state[2] | (state[1] & bits)];
END
$$;
CREATE AGGREGATE minis_ones_twos(varbit) (SFUNC = minis_ones_twos_step, STYPE = varbit[]);
