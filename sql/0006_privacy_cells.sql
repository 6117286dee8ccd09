-- The privacy rule's decisions, which `minis refresh` makes once per complete calendar block
-- (semantic/privacy.py) and the gateway reads. Nothing else writes them.

-- Every decided cell with protected-region rows: its block [lo, hi] of calendar level
-- `level` (0 the day, then the model's larger blocks), its os ('*': every os), its distinct
-- protected users with a session, those on days no shown lower cell covers (`remainder`,
-- null for days), the one os of all its rows if they have one (`only_os`: then the every-os
-- cell is that os's cell too) and the decision.
CREATE TABLE minis_privacy_cells (
    app_id    text     NOT NULL,
    level     smallint NOT NULL,
    lo        date     NOT NULL,
    hi        date     NOT NULL,
    os        text     NOT NULL,
    users     bigint   NOT NULL,
    remainder bigint,
    only_os   text,
    shown     boolean  NOT NULL,
    PRIMARY KEY (app_id, level, lo, os)
);

-- Per app, os key and day that a shown cell holds: the smallest shown cell holding it
-- [clo, chi]. An answer over [lo, hi] keeps the day's protected rows when lo <= clo and
-- chi <= hi.
CREATE TABLE minis_privacy_days (
    app_id text NOT NULL,
    os     text NOT NULL,
    day    date NOT NULL,
    clo    date NOT NULL,
    chi    date NOT NULL,
    PRIMARY KEY (app_id, os, day)
);

-- Which rule the app's decisions follow (`signature`: threshold, regions, calendar) and the
-- last day of the blocks decided so far.
CREATE TABLE minis_privacy_state (
    app_id          text        PRIMARY KEY,
    signature       text        NOT NULL,
    decided_through date        NOT NULL,
    decided_at      timestamptz NOT NULL DEFAULT now()
);
