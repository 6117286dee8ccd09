"""Derived tables: building them (`minis refresh`) and reading their state."""
