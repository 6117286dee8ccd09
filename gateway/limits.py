"""Bounds on what one request may ask for."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Limits:
    max_depth: int = 12  # nesting of fields
    max_aliases: int = 30  # aliased fields in one document
    max_tokens: int = 3000  # lexical tokens of one document
    max_breakdown: int = 100  # rows of one breakdown
    max_statements: int = 24  # SQL statements one request may run (gateway/serving/admission.py)
    max_cost: int = 2_400  # days of events one request may read, as admission estimates them
