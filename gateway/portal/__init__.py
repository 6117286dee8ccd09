"""The portal's pages: a small front end served at `/` from this package's own files.

The page and its ES modules talk to the public GraphQL API only (and the CSV downloads);
see static/README.md for how the front end is laid out.
"""

from __future__ import annotations

from gateway.portal.routes import PUBLIC_PREFIX, portal_routes

__all__ = ["PUBLIC_PREFIX", "portal_routes"]
