"""Bitmaps of user ordinals as PostgreSQL `bit varying` values (bit i is user i)."""

from __future__ import annotations

from collections.abc import Iterable

from asyncpg import BitString

GROWTH = 1.25  # room left for new users when an app's bitmaps grow
BLOCK = 8192  # bitmap lengths are multiples of this many bits


def bitmap(ordinals: Iterable[int], length: int) -> BitString:
    """The bitmap of `length` bits with the bits of `ordinals` set."""
    buffer = bytearray((length + 7) // 8)
    for ordinal in ordinals:
        buffer[ordinal >> 3] |= 0x80 >> (ordinal & 7)
    return BitString.frombytes(bytes(buffer), length)


def length_for(users: int, current: int) -> int:
    """The bitmap length an app with `users` users needs: `current` while it fits, else a
    larger multiple of BLOCK with room to grow."""
    if users <= current:
        return current
    wanted = max(int(users * GROWTH), BLOCK)
    return -(-wanted // BLOCK) * BLOCK
