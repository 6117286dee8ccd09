"""The demo world: a deterministic set of apps, owners and events that exercises every rule
and metric of the product (see `build_demo`)."""

from __future__ import annotations

from gateway.demo.build import build_demo
from gateway.demo.summary import DemoSummary, TableLoad

__all__ = ["DemoSummary", "TableLoad", "build_demo"]
