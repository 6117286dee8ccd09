-- Bearer tokens: stored as SHA-256 hashes, each bound to an owner or to admin.
CREATE TABLE api_tokens (
    token_id   text PRIMARY KEY,
    token_hash text NOT NULL UNIQUE,
    owner_id   text,
    admin      boolean NOT NULL DEFAULT false,
    label      text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    CONSTRAINT api_tokens_owner_or_admin CHECK (admin <> (owner_id IS NOT NULL))
);
