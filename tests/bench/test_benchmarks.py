"""Each benchmark runs end to end on a tiny size and writes sensible figures (no timing asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def run_bench(script: str, tmp_path: Path, *args: str, timeout: float = 240) -> dict[str, Any]:
    out = tmp_path / "out.json"
    proc = subprocess.run([sys.executable, str(BENCH / script), *args, "--json", str(out)],
                          capture_output=True, text=True, timeout=timeout, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(out.read_text())


def test_bench_connections_measures_hubbub_and_the_bare_baseline(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    r = run_bench("bench_connections.py", tmp_path, "--counts", "20,60", "--bare", "aiohttp",
                  "--settle", "0.2", "--plot", str(tmp_path / "memory.png"))
    assert r["baseline"] == "aiohttp"
    for name in ("aiohttp", "hubbub"):
        steps = r["servers"][name]["steps"]
        assert [s["connections"] for s in steps] == [20, 60]
        assert r["servers"][name]["lost_while_idle"] == 0
        assert all(s["rss_kb"] > 0 for s in steps)
    assert len(r["hubbub_to_baseline"]) == 2
    assert (tmp_path / "memory.png").stat().st_size > 1000


def test_bench_fanout_reaches_every_member(tmp_path: Path) -> None:
    r = run_bench("bench_fanout.py", tmp_path, "--sizes", "3,6", "--sends", "3", "--burst", "60")
    assert [g["members"] for g in r["groups"]] == [3, 6]
    for g in r["groups"]:
        assert g["last_member_p99_ms"] is not None and g["last_member_p99_ms"] >= g["last_member_p50_ms"] > 0
        assert g["burst_messages"] == 60 // g["members"]
    assert r["one_to_one"]["messages"] == 6
    assert r["acks"] == "as the clients do"


async def test_the_loaders_acknowledge_as_the_clients_do() -> None:
    """benchlib.Acker follows hubbub.client.acks: one ack ACK_DELAY after the first event waiting,
    or at once after ACK_EVERY; `each` acknowledges every frame at once (--ack-each-frame)."""
    import asyncio
    sys.path.insert(0, str(BENCH))
    import benchlib
    from hubbub.client.acks import ACK_DELAY, ACK_EVERY

    sent: list[str] = []
    acker = benchlib.Acker(sent.append)
    for seq in (1, 2, 3):
        acker.applied(seq)
    assert sent == []
    await asyncio.sleep(ACK_DELAY * 2)
    assert sent == ['{"t":"ack","seq":3}']
    acker.applied(3 + ACK_EVERY)
    assert sent[-1] == '{"t":"ack","seq":%d}' % (3 + ACK_EVERY) and acker.timer is None
    each = benchlib.Acker(sent.append, each=True)
    each.applied(7)
    assert sent[-1] == '{"t":"ack","seq":7}'


def test_bench_reconnect_resumes_every_client(tmp_path: Path) -> None:
    r = run_bench("bench_reconnect.py", tmp_path, "--clients", "30", "--messages", "2", "--senders", "2")
    assert [run["backoff"] for run in r["runs"]] == [True, False]
    for run in r["runs"]:
        assert run["clients"] == 30 and run["all_caught_up_s"] >= run["all_resumed_s"] > 0
        assert run["rss_peak_kb"] > 0
        assert run["attempts"] == 30 + run["refused"]


def test_bench_messages_runs_hubbub_the_relay_and_socketio(tmp_path: Path) -> None:
    r = run_bench("bench_messages.py", tmp_path, "--pairs", "2", "--seconds", "0.5")
    for kind in ("hubbub", "relay", "socketio"):
        assert r[kind]["full_speed"]["deliveries_per_s"] > 0, kind
        assert r[kind]["paced"]["samples"] > 0, kind
    assert set(r["hubbub_to_socketio"]) == {"full_speed_rate", "paced_cpu_per_delivery", "paced_p99"}


def test_bench_messages_repeated_reports_the_median_run_of_each(tmp_path: Path) -> None:
    r = run_bench("bench_messages.py", tmp_path, "--only", "hubbub", "--pairs", "2", "--seconds", "0.3",
                  "--rate", "200", "--repeat", "3")
    assert r["repeat"] == 3
    full, paced = r["hubbub"]["full_speed"], r["hubbub"]["paced"]
    rates, p99s = full["deliveries_per_s_of_each_run"], paced["p99_ms_of_each_run"]
    assert len(rates) == len(p99s) == 3
    assert full["deliveries_per_s"] == sorted(rates)[1] and paced["p99_ms"] == sorted(p99s)[1]
    assert paced["samples"] > 0 and paced["rate"] == 200


def test_bench_messages_refuses_a_repeat_below_one(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(BENCH / "bench_messages.py"), "--repeat", "0"],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 2 and "--repeat must be at least 1" in proc.stderr


def test_bench_group_writes_counts_bytes_per_change(tmp_path: Path) -> None:
    r = run_bench("bench_group_writes.py", tmp_path, "--members", "30", "--changes", "3")
    assert r["members"] == 31 and r["changes"] == 3
    assert 0 < r["rename_bytes_per_member"] < 400, "a rename writes a small event per member, not the list"
    assert r["create_bytes"] > 0 and r["member_change_bytes"] > 0


def test_bench_scale_counts_the_cpu_of_every_process(tmp_path: Path, pg_database: str | None, redis_url: str) -> None:
    from tests.conftest import PG_SERVER, need_service
    if pg_database is None:
        need_service(f"PostgreSQL at {PG_SERVER}")
    pytest.importorskip("matplotlib")
    r = run_bench("bench_scale.py", tmp_path, "--pairs", "2", "--seconds", "0.5", "--postgres", PG_SERVER,
                  "--redis", redis_url, "--plot", str(tmp_path / "cpu.png"), timeout=400)
    assert set(r["configs"]) == {"sqlite", "pg1", "pg2"}
    sys.path.insert(0, str(BENCH))
    import benchlib
    local_postgres = bool(benchlib.processes_named("postgres"))
    for config, run in r["configs"].items():
        for load in ("full_speed", "paced"):
            assert run[load]["deliveries_per_s"] > 0 and run[load]["samples"] > 0, (config, load)
            parts = run[load]["cpu_us_per_delivery"]
            hubbubs = [k for k in parts if k.startswith("hubbub")]
            assert len(hubbubs) == (2 if config == "pg2" else 1), parts
            assert all(parts[k] > 0 for k in hubbubs), parts
            if config != "sqlite":
                assert "redis" in parts and "postgres_shared" in parts
                if local_postgres:  # its processes are visible here: the run's own backends are counted
                    assert parts["postgres"] > 0, parts
    assert set(r["cpu_ratio_to_sqlite"]) == {"pg1", "pg2"}
    assert (tmp_path / "cpu.png").stat().st_size > 1000


def test_bench_quota_compares_local_batched_and_per_operation(tmp_path: Path, redis_url: str) -> None:
    r = run_bench("bench_quota.py", tmp_path, "--ops", "300", "--users", "10", "--redis", redis_url)
    modes = {m["mode"]: m for m in r["modes"]}
    assert list(modes) == ["local", "batched", "per-op"]
    assert modes["local"]["redis_calls"] == 0
    assert modes["per-op"]["redis_calls"] >= 300  # one script call per operation (and one to warm up)
    assert modes["batched"]["redis_calls"] < modes["per-op"]["redis_calls"]
    assert all(m["ops"] == 300 and m["us_cpu_per_op_hubbub"] >= 0 for m in modes.values())


def test_bench_pgstore_weighs_the_store_against_a_baseline_tree(tmp_path: Path, pg_database: str | None) -> None:
    from tests.conftest import PG_SERVER, need_service
    if pg_database is None:
        need_service(f"PostgreSQL at {PG_SERVER}")
    src = str(BENCH.parent / "src")
    r = run_bench("bench_pgstore.py", tmp_path, "--messages", "200", "--batches", "1,8", "--repeat", "1",
                  "--baseline", src, "--postgres", PG_SERVER)
    assert set(r["batches"]) == {"1", "8"}
    for entry in r["batches"].values():
        for tree in ("this", "baseline"):
            assert entry[tree]["hubbub"] > 0 and entry[tree]["total"] >= entry[tree]["hubbub"]
        assert set(entry["ratio_to_baseline"]) == {"hubbub", "postgres", "total"}
