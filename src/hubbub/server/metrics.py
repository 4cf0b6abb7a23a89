"""Operating a node: /healthz (alive), /readyz (store and bus reachable), /metrics (Prometheus).

Metrics live in a registry of this app's own (several servers may share a process in tests) and
carry no addresses, tokens or other user data: counts, bytes and durations only. Gauges are read
from the hub when scraped, so serving costs nothing between scrapes; the commit histograms are fed
by the store's batch writer after each commit.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any, Iterator

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

READY_TIMEOUT = 2.0
"""Seconds /readyz waits for the store and the bus to answer."""


class HubCollector:
    """Gauges and counters read from the hub at scrape time."""

    def __init__(self, hub: Any) -> None:
        self.hub = hub

    def collect(self) -> Iterator[Any]:
        hub = self.hub
        info = GaugeMetricFamily("hubbub_node_info", "this process: its id on the bus and its pid (one per worker)",
                                 labels=["node", "pid"])
        info.add_metric([hub.bus.node, str(os.getpid())], 1)
        yield info
        yield GaugeMetricFamily("hubbub_draining", "1 while the node drains (SIGTERM)", value=int(hub.draining))
        yield GaugeMetricFamily("hubbub_connections", "open client connections on this node",
                                value=hub.connection_count())
        yield GaugeMetricFamily("hubbub_users_online", "users with a connection on this node", value=len(hub.sessions))
        yield CounterMetricFamily("hubbub_deliveries", "events acknowledged by clients of this node",
                                  value=hub.delivered)
        queued = sum(s.queued_bytes() for conns in hub.sessions.values() for s in conns.values())
        yield GaugeMetricFamily("hubbub_send_queue_bytes", "bytes queued to clients, not yet written", value=queued)
        yield GaugeMetricFamily("hubbub_bus_lag_seconds", "time the last batch of bus messages took to publish",
                                value=getattr(hub.bus, "lag", 0.0))
        yield CounterMetricFamily("hubbub_bus_dropped", "bus messages dropped while the bus was away",
                                  value=getattr(hub.bus, "dropped", 0))


class Metrics:
    def __init__(self, hub: Any) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(HubCollector(hub))
        self.commit_seconds = Histogram(
            "hubbub_commit_seconds", "time from a batch's first statement to its commit", registry=self.registry,
            buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
        self.batch_size = Histogram(
            "hubbub_commit_batch_size", "store operations committed together", registry=self.registry,
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512))

    def committed(self, operations: int, seconds: float) -> None:
        self.commit_seconds.observe(seconds)
        self.batch_size.observe(operations)


async def healthz(request: Request) -> Response:
    return JSONResponse({"ok": True})


async def readyz(request: Request) -> Response:
    """200 when the store and the bus answer within READY_TIMEOUT, else 503 naming what did not."""
    hub = request.app.state.hub
    failed: dict[str, str] = {}
    for name, part in (("store", hub.store), ("bus", hub.bus)):
        try:
            await asyncio.wait_for(part.ping(), READY_TIMEOUT)
        except Exception as exc:  # any failure to answer is "not ready"; the reason helps the operator
            failed[name] = type(exc).__name__ + (f": {exc}" if str(exc) else "")
    if getattr(hub, "draining", False):
        failed["node"] = "draining"
    if failed:
        return JSONResponse({"ok": False, "failed": failed}, status_code=503)
    return JSONResponse({"ok": True})


async def metrics(request: Request) -> Response:
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
