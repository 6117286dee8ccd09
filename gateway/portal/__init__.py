"""The portal's pages: a small front end served at `/` from this package's own files.

static/index.html loads static/js/main.js, plain ES modules with no build step: api.js (token,
GraphQL, CSV downloads), schema.js (what each module has, from introspection and the catalog),
filters.js, sections.js (a module's parts, each asking for its own numbers), views.js (cards,
tables, retention, funnel), chart.js (hand-drawn SVG), format.js, modules.js (the navigation).
They use only the public API: GraphQL at /graphql and the CSV downloads.
"""

from __future__ import annotations

from gateway.portal.routes import PUBLIC_PREFIX, portal_routes

__all__ = ["PUBLIC_PREFIX", "portal_routes"]
