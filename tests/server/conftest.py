"""Fixtures of this folder: real server processes behind a balancer (cluster.py)."""

from .cluster import cluster, cluster_factory  # noqa: F401  (pytest finds fixtures by name here)
