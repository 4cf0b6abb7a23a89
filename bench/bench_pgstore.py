"""The PostgreSQL store's message path alone: CPU per message, with no server, socket or bus around it.

One process drives a `PostgresStore` as a node's hub would: sends (each after its recipient's
look-up) between 20 pairs, `--batches` at once (what a busy node gathers; 1 is an idle node's
lone message), then the push (`events_after`) of each receiver they woke and one ack for all of
them. It counts its own CPU and that of the PostgreSQL backends of its fresh database (/proc). End to end on a shared machine these
costs drown in the scheduling noise of everything else; here they repeat within a few percent, so
a change to the store can be weighed alone: `--baseline DIR` runs the same on the `hubbub` package
of another source tree (e.g. `git archive main src | tar -x -C /tmp/base` gives /tmp/base/src),
alternating, and prints this tree's CPU over the baseline's (medians of `--repeat` runs).

    python bench/bench_pgstore.py [--messages 3000] [--batches 1,50] [--repeat 3] [--baseline DIR]
        [--postgres postgresql://postgres@127.0.0.1:5432/test] [--json out.json] [--plot cpu.png]
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
from typing import Any

import benchlib as bl

PAIRS = 20


async def _drive(dsn: str, db: str, batch: int, messages: int) -> dict[str, float]:
    from hubbub.store.base import OutMessage
    from hubbub.store.postgres import PostgresStore

    store = PostgresStore(dsn)
    await store.open()
    try:
        app = await store.create_app("bench", b"bench", 1)
        uids = [(await store.upsert_user(app.id, f"u{i}", None, None, 1))[0].uid for i in range(2 * PAIRS)]
        seen = [0] * PAIRS
        probe = bl.CpuProbe({"hubbub": lambda: [os.getpid()],
                             "postgres": lambda: bl.postgres_processes(db)["backends"]})
        probe.start()
        async def send(i: int) -> None:  # as the hub does: the recipient's look-up, then the send
            sender, to = uids[i % PAIRS], uids[PAIRS + i % PAIRS]
            found = await store.recipient(app.id, f"u{PAIRS + i % PAIRS}", sender)
            assert found == (to, False)
            await store.send(OutMessage(app.id, sender, f"u{i % PAIRS}", f"c{i}", to, f"u{PAIRS + i % PAIRS}", 0,
                                        "a message of a few words", "", 0, 3600, 0, None, False, 1, 2**50))

        for first in range(0, messages, batch):
            await asyncio.gather(*[send(i) for i in range(first, first + batch)])
            got = []
            for j in sorted({i % PAIRS for i in range(first, first + batch)}):  # the receivers woken
                items, _ = await store.events_after(uids[PAIRS + j], seen[j], 500, 2, 1 << 20)
                if items:
                    seen[j] += len(items)
                    got.append((uids[PAIRS + j], "d1", seen[j], f"u{PAIRS + j}"))
            await store.ack(got, 2)
        cpu = probe.stop()
        assert sum(seen) == messages, "every message reached its receiver"
        return {k: 1e6 * v / messages for k, v in cpu.items()}
    finally:
        await store.close()


def child(server: str, batch: int, messages: int) -> None:
    """Measure in this process, on the tree named by HUBBUB_BENCH_SRC if set; print the figures as JSON."""
    src = os.environ.get("HUBBUB_BENCH_SRC")
    if src:  # benchlib put this tree first and imported from it: start over from the other tree
        for name in [m for m in sys.modules if m == "hubbub" or m.startswith("hubbub.")]:
            del sys.modules[name]
        sys.path.insert(0, src)
    import hubbub
    from bench_scale import fresh_database
    with fresh_database(server) as (dsn, db):
        print(json.dumps({"src": str(hubbub.__file__), **asyncio.run(_drive(dsn, db, batch, messages))}))


def run_tree(src: str | None, server: str, batch: int, messages: int) -> dict[str, float]:
    env = {**os.environ, **({"HUBBUB_BENCH_SRC": src} if src else {})}
    out = subprocess.run([sys.executable, __file__, "--child", server, str(batch), str(messages)],
                         capture_output=True, text=True, env=env, timeout=600)
    if out.returncode != 0:
        raise SystemExit(f"measuring {src or 'this tree'} failed:\n{out.stderr[-2000:]}")
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    where = figures.pop("src")
    assert where.startswith(src or str(bl.HERE.parent / "src")), f"measured {where}, not {src or 'this tree'}"
    return figures


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        return child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    p = bl.parser(__doc__)
    p.add_argument("--messages", type=int, default=3000, help="messages per run")
    p.add_argument("--batches", default="1,50", help="sends at once (comma-separated: one run each)")
    p.add_argument("--repeat", type=int, default=3, help="runs per tree and batch (medians reported)")
    p.add_argument("--baseline", metavar="DIR", help="another tree's src/ to weigh this one against")
    p.add_argument("--postgres", default=os.environ.get("HUBBUB_TEST_POSTGRES",
                                                        "postgresql://postgres@127.0.0.1:5432/test"))
    args = p.parse_args()
    trees = {"this": None, **({"baseline": args.baseline} if args.baseline else {})}
    results: dict[str, Any] = {"messages": args.messages, "baseline": args.baseline, "batches": {}}
    for batch in [int(b) for b in args.batches.split(",") if b]:
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
        progress = bl.Progress(f"batches of {batch}", args.repeat * len(trees))
        for _ in range(args.repeat):
            for name, src in reversed(trees.items()):  # baseline first, then this tree, alternating
                runs[name].append(run_tree(src, args.postgres, batch, args.messages))
                progress.advance()
        entry: dict[str, Any] = {}
        for name, rs in runs.items():
            entry[name] = {k: round(statistics.median(r[k] for r in rs), 1) for k in rs[0]}
            entry[name]["total"] = round(statistics.median(sum(r.values()) for r in rs), 1)
        if args.baseline:
            # None where the baseline measured no CPU at all (a tiny run: CPU time is counted in clock ticks)
            entry["ratio_to_baseline"] = {k: round(entry["this"][k] / entry["baseline"][k], 2) if entry["baseline"][k]
                                          else None for k in entry["this"]}
        results["batches"][str(batch)] = entry
        print(f"batches of {batch}: " + "; ".join(f"{name} {entry[name]} us/message" for name in trees)
              + (f"; this/baseline {entry['ratio_to_baseline']}" if args.baseline else ""), flush=True)
    bl.finish(args, results, draw)


def draw(ax: Any, results: dict[str, Any]) -> None:
    labels, tops, bottoms = [], [], []
    for batch, entry in results["batches"].items():
        for name in ("baseline", "this"):
            if name in entry:
                labels.append(f"{name}\nbatch {batch}")
                bottoms.append(entry[name]["hubbub"])
                tops.append(entry[name]["postgres"])
    ax.bar(range(len(labels)), bottoms, label="hubbub process")
    ax.bar(range(len(labels)), tops, bottom=bottoms, label="postgres backends")
    ax.set_xticks(range(len(labels)), labels, fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("CPU µs per message (log)")
    ax.set_title("PostgreSQL store alone: send, push and ack")
    ax.legend()


if __name__ == "__main__":
    main()
