"""Serving many clients at once: admission by cost, fair turns, cancellation, a cache of
answers keyed by the data version, and rate limits per token. See Serving (service.py)."""
