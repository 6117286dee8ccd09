"""`/metrics` for Prometheus: requests by route, operation and outcome code, latency, SQL
statements per request, the connection pool, the answer cache, the refresh's latest day and
privacy suppressions. Labels come only from bounded sets (route templates, the model's module
and cube names, error codes), never from a token or a value a client chose."""
