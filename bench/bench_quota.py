"""What a per-user quota costs per operation: node-local buckets, buckets kept in step through Redis in
batches (what Hubbub does for sends with a Redis bus), and one Redis script call per operation.

Each operation is its own turn of the event loop (as a send is in the server): `--ops` operations over
`--users` users, one after another. Figures: wall time, this process's CPU and redis-server's CPU per
operation, Redis script calls, and p50/p99 latency of the quota check itself.

    python bench/bench_quota.py [--ops 20000] [--users 100] [--redis redis://127.0.0.1:6379/0] [--json out.json]
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from typing import Any

import benchlib as bl
import redis.asyncio as aioredis

from hubbub.core.shared_quota import LocalQuota, SharedQuota


def redis_pids() -> list[int]:
    return [pid for pid, _cmd in bl.processes_named("redis-server")]


async def measure(mode: str, ops: int, users: int, url: str) -> dict[str, Any]:
    prefix = f"bench-quota-{secrets.token_hex(4)}:"
    if mode == "local":
        q: LocalQuota = LocalQuota(1e12, 60.0)
    else:
        client = aioredis.Redis.from_url(url, decode_responses=True)
        q = SharedQuota(client, prefix, 1e12, 60.0, 0.1)
    q.start()
    if isinstance(q, SharedQuota):
        await q.take_now("warm-up", 0)  # the script loaded, the connection open
    probe = bl.CpuProbe({"redis": redis_pids})
    lat: list[float] = []
    probe.start()
    cpu0, t0 = time.process_time(), time.perf_counter()
    for i in range(ops):
        key = i % users
        start = time.perf_counter()
        if mode == "per-op":
            await q.take_now(key, 100)
        else:
            await q.ready(key)
            q.take(key, 100)
        lat.append(time.perf_counter() - start)
        await asyncio.sleep(0)  # the next operation is another turn of the loop
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    other = probe.stop()
    syncs = q.syncs if isinstance(q, SharedQuota) else 0
    await q.stop()
    return {"mode": mode, "ops": ops, "users": users, "wall_s": round(wall, 3),
            "us_per_op_wall": round(1e6 * wall / ops, 2), "us_cpu_per_op_hubbub": round(1e6 * cpu / ops, 2),
            "us_cpu_per_op_redis": round(1e6 * other["redis"] / ops, 2), "redis_calls": syncs,
            "p50_us": round(1e6 * (bl.pct(lat, 50) or 0), 1), "p99_us": round(1e6 * (bl.pct(lat, 99) or 0), 1)}


def main() -> None:
    p = bl.parser(__doc__)
    p.add_argument("--ops", type=int, default=20000)
    p.add_argument("--users", type=int, default=100)
    p.add_argument("--redis", default=os.environ.get("HUBBUB_TEST_REDIS", "redis://127.0.0.1:6379/0"))
    args = p.parse_args()
    rows = [asyncio.run(measure(mode, args.ops, args.users, args.redis)) for mode in ("local", "batched", "per-op")]
    print(f"{'mode':<8} {'us/op wall':>10} {'us CPU hubbub':>13} {'us CPU redis':>12} {'redis calls':>11} "
          f"{'p50 us':>7} {'p99 us':>7}")
    for r in rows:
        print(f"{r['mode']:<8} {r['us_per_op_wall']:>10} {r['us_cpu_per_op_hubbub']:>13} {r['us_cpu_per_op_redis']:>12} "
              f"{r['redis_calls']:>11} {r['p50_us']:>7} {r['p99_us']:>7}")

    def draw(ax: Any, res: dict[str, Any]) -> None:
        names = [r["mode"] for r in res["modes"]]
        ax.bar(names, [r["us_cpu_per_op_hubbub"] + r["us_cpu_per_op_redis"] for r in res["modes"]])
        ax.set_ylabel("CPU µs per operation (Hubbub + Redis)")
    bl.finish(args, {"modes": rows}, draw)


if __name__ == "__main__":
    main()
