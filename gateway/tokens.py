"""Bearer tokens: `minis_<id>_<secret>`, shown once, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from gateway.apps import Caller

PREFIX = "minis"
Queryable = asyncpg.Connection | asyncpg.Pool | PoolConnectionProxy


@dataclass(frozen=True, kw_only=True)
class IssuedToken:
    token_id: str
    token: str  # the only time the secret exists outside the caller's hands


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(
    conn: asyncpg.Connection, *, owner_id: str | None, admin: bool = False, label: str = ""
) -> IssuedToken:
    if admin == (owner_id is not None):
        raise ValueError("a token belongs either to one owner or to admin")
    token_id = secrets.token_hex(4)
    token = f"{PREFIX}_{token_id}_{secrets.token_urlsafe(24)}"
    await conn.execute(
        "INSERT INTO api_tokens (token_id, token_hash, owner_id, admin, label)"
        " VALUES ($1, $2, $3, $4, $5)",
        token_id,
        hash_token(token),
        owner_id,
        admin,
        label,
    )
    return IssuedToken(token_id=token_id, token=token)


async def revoke_token(conn: asyncpg.Connection, *, token_id: str) -> bool:
    status = await conn.execute(
        "UPDATE api_tokens SET revoked_at = now() WHERE token_id = $1 AND revoked_at IS NULL",
        token_id,
    )
    return status.endswith(" 1")


async def caller_of(conn: Queryable, token: str) -> Caller | None:
    """The caller a token stands for, or None when it is unknown or revoked."""
    found = await token_caller(conn, token)
    return None if found is None else found[1]


async def token_caller(conn: Queryable, token: str) -> tuple[str, Caller] | None:
    """The id of a token and the caller it stands for, or None when unknown or revoked."""
    row = await conn.fetchrow(
        "SELECT token_id, owner_id, admin FROM api_tokens"
        " WHERE token_hash = $1 AND revoked_at IS NULL",
        hash_token(token),
    )
    if row is None:
        return None
    return row["token_id"], Caller(owner_id=row["owner_id"], admin=row["admin"])


async def caller_by_id(conn: Queryable, token_id: str) -> Caller | None:
    """The caller of the token of this id, or None when it is unknown or revoked."""
    row = await conn.fetchrow(
        "SELECT owner_id, admin FROM api_tokens WHERE token_id = $1 AND revoked_at IS NULL",
        token_id,
    )
    if row is None:
        return None
    return Caller(owner_id=row["owner_id"], admin=row["admin"])
