"""Validation rules, one small function per rule, grouped by what they look at."""
