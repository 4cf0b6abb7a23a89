"""Scale-out cost: 1:1 messages on one SQLite process vs one and two PostgreSQL+Redis processes.

For each configuration, on a fresh store each run: deliveries per second at full speed (each
sender keeps up to 64 sends unanswered), then p50/p99 latency paced at half that rate, and the CPU
seconds per delivery of every process that serves the load: each Hubbub process (with any worker
it forks), the PostgreSQL backends of the run's own database, PostgreSQL's shared processes
(postmaster, WAL writer, checkpointer: other databases' work lands there too) and redis-server
(shared with anything else using it). CPU is read from /proc, so it is visible although every
process shares the same cores; `cpu_ratio_to_sqlite` is the sum over processes relative to SQLite.

- sqlite: one `hubbub serve`, the embedded store, the in-process bus;
- pg1: one `hubbub serve` on PostgreSQL with the Redis bus;
- pg2: two `hubbub serve` on the same database and Redis; pair i's sender is on one node and its
  receiver on the other, so every message crosses nodes (the worst case behind a load balancer).

PostgreSQL and Redis must be on this machine for their CPU to be counted (it reads /proc). The
loader runs in this process, the servers in child processes.

To weigh a change, `--baseline DIR` also runs the PostgreSQL configurations on the `hubbub` package
of another source tree (e.g. `git archive main src | tar -x -C /tmp/base` gives /tmp/base/src),
alternating with this tree's runs, and prints this tree's figures over the baseline's (both paced
at half the baseline's full speed, so that their CPU per delivery is taken at the same load).

    python bench/bench_scale.py [--pairs 20] [--seconds 8] [--only sqlite,pg1,pg2]
        [--postgres postgresql://postgres@127.0.0.1:5432/test] [--redis redis://127.0.0.1:6379/0]
        [--baseline /tmp/base/src] [--json out.json] [--plot cpu.png]
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import secrets
import statistics
from pathlib import Path
from typing import Any, Iterator

import benchlib as bl
import bench_messages as bm

CONFIGS = ("sqlite", "pg1", "pg2")
NODES = {"sqlite": 1, "pg1": 1, "pg2": 2}


async def _pg_execute(url: str, sql: str) -> None:
    import asyncpg
    conn = await asyncpg.connect(url, timeout=10)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.contextmanager
def fresh_database(server_url: str) -> Iterator[tuple[str, str]]:
    """(URL, name) of a database made for one run on the server at server_url, dropped after."""
    name = "hubbub_bench_" + secrets.token_hex(6)
    asyncio.run(_pg_execute(server_url, f"CREATE DATABASE {name}"))
    try:
        yield server_url.rsplit("/", 1)[0] + "/" + name, name
    finally:
        asyncio.run(_pg_execute(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@contextlib.contextmanager
def deployment(config: str, tmp: Path, pairs: int, pg: str, redis: str, src: str | None = None,
               ) -> Iterator[tuple[list[tuple[str, str]], list[tuple[str, str]], bl.CpuProbe]]:
    """Start a configuration (its servers on the package in `src` if given): yields (sender's and
    receiver's URL per pair, tokens per pair, CPU probe)."""
    names = [n for i in range(pairs) for n in (f"s{i}", f"r{i}")]
    with contextlib.ExitStack() as stack:
        env: dict[str, str] = {"PYTHONPATH": src} if src else {}
        groups: dict[str, Any] = {}
        if config != "sqlite":
            dsn, db = stack.enter_context(fresh_database(pg))
            env.update({"HUBBUB_DATABASE_URL": dsn, "HUBBUB_BUS_URL": redis,
                        "HUBBUB_BUS_PREFIX": f"hubbub-bench-{secrets.token_hex(4)}:"})
            groups["postgres"] = lambda: bl.postgres_processes(db)["backends"]
            groups["postgres_shared"] = lambda: bl.postgres_processes(db)["shared"]
            groups["redis"] = lambda: [pid for pid, _ in bl.processes_named("redis-server")]
        tokens = bl.make_tokens(tmp / "data0", names, env)  # also creates the schema, before any node, with their package
        servers = []
        for k in range(NODES[config]):
            servers.append(stack.enter_context(bl.hubbub_server(tmp / f"data{k}", env)))
        for k, server in enumerate(servers):
            groups[f"hubbub{'' if len(servers) == 1 else '_' + 'ab'[k]}"] = (lambda s=server: bl.process_tree(s.pid))
        urls = [(servers[i % len(servers)].ws_url, servers[(i + 1) % len(servers)].ws_url) for i in range(pairs)]
        # order the groups: Hubbub first, then the services
        probe = bl.CpuProbe({k: groups[k] for k in sorted(groups, key=lambda k: (not k.startswith("hubbub"), k))})
        yield urls, list(zip(tokens[::2], tokens[1::2])), probe


def measure(config: str, pairs: int, seconds: float, rate: float | None, pg: str, redis: str,
            src: str | None = None) -> dict[str, Any]:
    with bl.tempdir() as tmp, deployment(config, Path(tmp), pairs, pg, redis, src) as (urls, tokens, probe):
        label = f"{config}{' (baseline)' if src else ''} " + (f"at {rate:.0f}/s" if rate else "at full speed")
        return asyncio.run(bm.run_load("hubbub", urls, tokens, seconds, rate, probe, label))


def check_services(pg: str, redis: str) -> None:
    import redis as redis_lib
    try:
        asyncio.run(_pg_execute(pg, "SELECT 1"))
    except Exception as exc:
        raise SystemExit(f"PostgreSQL at {pg} unavailable ({exc}); --only sqlite runs without it")
    try:
        redis_lib.Redis.from_url(redis, socket_connect_timeout=2).ping()
    except Exception as exc:
        raise SystemExit(f"Redis at {redis} unavailable ({exc}); --only sqlite runs without it")


def main() -> None:
    p = bl.parser(__doc__)
    p.add_argument("--pairs", type=int, default=20, help="sender/receiver pairs")
    p.add_argument("--seconds", type=float, default=8.0, help="measuring time per run")
    p.add_argument("--only", default=",".join(CONFIGS), help="configurations to run: " + ",".join(CONFIGS))
    p.add_argument("--postgres", default=os.environ.get("HUBBUB_TEST_POSTGRES",
                                                        "postgresql://postgres@127.0.0.1:5432/test"),
                   help="a PostgreSQL database to connect to (each run makes a fresh one beside it)")
    p.add_argument("--redis", default=os.environ.get("HUBBUB_TEST_REDIS", "redis://127.0.0.1:6379/0"))
    p.add_argument("--baseline", metavar="DIR", help="also run the PostgreSQL configurations on the hubbub "
                   "package in DIR (another tree's src/) and compare")
    p.add_argument("--repeat", type=int, default=1, help="with --baseline: alternate this many times, report medians")
    args = p.parse_args()
    configs = [c for c in args.only.split(",") if c]
    bad = set(configs) - set(CONFIGS)
    if bad:
        p.error(f"unknown configuration(s): {', '.join(sorted(bad))}")
    if any(c != "sqlite" for c in configs):
        check_services(args.postgres, args.redis)
    bl.install_uvloop()

    results: dict[str, Any] = {"pairs": args.pairs, "seconds": args.seconds, "configs": {}}
    if args.baseline:
        results["baseline"] = {"src": args.baseline, "configs": {}, "ratio_to_baseline": {}}
    for config in configs:
        run = functools.partial(measure, config, args.pairs, args.seconds, pg=args.postgres, redis=args.redis)
        compare = bool(args.baseline) and config != "sqlite"
        trials = []
        for _ in range(args.repeat if compare else 1):
            base_full = run(None, src=args.baseline) if compare else None  # alternating: load drifts hit both
            full = run(None)
            rate = full["deliveries_per_s"] / 2
            if base_full is not None:
                rate = base_rate = base_full["deliveries_per_s"] / 2  # both trees paced alike: CPU comparable
                base_paced = run(base_rate, src=args.baseline)
            paced = run(rate)
            if base_full is not None:
                trials.append({
                    "full_speed_rate": full["deliveries_per_s"] / base_full["deliveries_per_s"],
                    "full_speed_cpu": full["server_cpu_us_per_delivery"] / base_full["server_cpu_us_per_delivery"],
                    "paced_cpu": paced["server_cpu_us_per_delivery"] / base_paced["server_cpu_us_per_delivery"],
                    "paced_p99": (paced["p99_ms"] or 0) / (base_paced["p99_ms"] or 1)})
                for name, b in (("full speed", base_full), ("half load", base_paced)):
                    print(f"{config} baseline at {name}: {b['deliveries_per_s']:.1f} deliveries/s, p99 {b['p99_ms']} ms, "
                          f"CPU {b['server_cpu_us_per_delivery']} us/delivery ({b['cpu_us_per_delivery']})")
        results["configs"][config] = {"full_speed": full, "paced": {"rate": round(rate, 1), **paced}}
        if trials:
            results["baseline"]["configs"][config] = {"full_speed": base_full,
                                                      "paced": {"rate": round(base_rate, 1), **base_paced}}
            results["baseline"]["ratio_to_baseline"][config] = r = {
                k: round(statistics.median(t[k] for t in trials), 2) for k in trials[0]}
            r["trials"] = [{k: round(v, 2) for k, v in t.items()} for t in trials]
            print(f"{config} this tree / baseline (median of {len(trials)}): {r}")
        for name, fig in (("full speed", full), (f"{rate:.0f}/s", paced)):
            parts = ", ".join(f"{k} {v}" for k, v in fig["cpu_us_per_delivery"].items())
            print(f"{config:>6} at {name:>10}: {fig['deliveries_per_s']:>8.1f} deliveries/s, p50 {fig['p50_ms']} ms, "
                  f"p99 {fig['p99_ms']} ms; CPU {fig['server_cpu_us_per_delivery']} us/delivery ({parts})", flush=True)
    if "sqlite" in results["configs"]:
        base = results["configs"]["sqlite"]
        ratios: dict[str, Any] = {}
        for config in [c for c in configs if c != "sqlite"]:
            run = results["configs"][config]
            ratios[config] = {
                load: round((run[load]["server_cpu_us_per_delivery"] or 0)
                            / (base[load]["server_cpu_us_per_delivery"] or 1), 2)
                for load in ("full_speed", "paced")}
            print(f"{config}/sqlite CPU per delivery (all processes): full speed {ratios[config]['full_speed']}x, "
                  f"paced {ratios[config]['paced']}x")
        results["cpu_ratio_to_sqlite"] = ratios
    bl.finish(args, results, draw)


def draw(ax: Any, results: dict[str, Any]) -> None:
    """Stacked bars: CPU microseconds per delivery by process, per configuration and load."""
    configs = results["configs"]
    bars = [(f"{c}\n{'full' if load == 'full_speed' else 'half'}", configs[c][load]["cpu_us_per_delivery"])
            for c in configs for load in ("full_speed", "paced")]
    kinds = ["hubbub", "postgres", "postgres_shared", "redis"]
    bottoms = [0.0] * len(bars)
    for kind in kinds:
        heights = [sum(v or 0 for k, v in parts.items() if (k.startswith("hubbub") if kind == "hubbub" else k == kind))
                   for _label, parts in bars]
        if any(heights):
            ax.bar(range(len(bars)), heights, bottom=bottoms, label=kind)
            bottoms = [b + h for b, h in zip(bottoms, heights)]
    ax.set_xticks(range(len(bars)), [label for label, _ in bars], fontsize=8)
    ax.set_ylabel("CPU µs per delivery")
    ax.set_title(f"1:1 messages, {results['pairs']} pairs: CPU per delivery by process")
    ax.legend()


if __name__ == "__main__":
    main()
