"""How many open sessions one Streamlit server holds with a median rerun within 1 s, and two servers behind nginx.

Builds a city's store (bench/city.py: 20 district plans, --rows report rows) with a leader's account, then for
N = 1, 5, 10, 20, 30, 40, ... sessions: load processes (multiprocessing, --per-process sessions each) open N
websocket sessions (scripts/st_client.py), each logged in as a leader by its session cookie, on one district's plan
and one of the leader's pages, rerunning it every 0.5-2 s (at random) for --seconds. Prints per N the median and
90th percentile rerun (the request to script_finished), each server's resident memory, and the CPU the servers, the
load processes and nginx took over the window, in cores. First one server, reached directly; then two servers on the
same store behind nginx with deploy/'s configuration, each session from its own loopback address (127.1.x.y) as from
its own office PC, so that the proxy's hash on the client address spreads them.
Usage: python bench/sessions.py [--rows N] [--sessions 1,5,10,...] [--seconds S] [--per-process K] [--servers 1,2]
"""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import city  # noqa: E402
from scripts.nginx import nginx_proxy  # noqa: E402
from scripts.serve import streamlit_server  # noqa: E402
from scripts.st_client import Session  # noqa: E402
from tracker.accounts import Accounts, User  # noqa: E402
from tracker.navigation import HOME, PAGES  # noqa: E402
from tracker.plan import load_plan  # noqa: E402
from tracker.store import Store  # noqa: E402

LEADER = User("bench-leader", "leader")
PASSWORD = "bench password, not secret"
TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Visit:
    """One session of the load: where it connects from, who it is, which plan and page it reruns."""
    url: str
    address: str
    cookie: dict[str, str]
    plan_id: str
    page: str


@dataclass
class Load:
    """What one load process measured over the window."""
    reruns: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cpu: float = 0.0   # its own user + system seconds over the window
    upstreams: list[str] = field(default_factory=list)


def build(folder: Path, db: str, rows: int, sessions: int) -> tuple[list[Path], list[dict[str, str]]]:
    """The city's plans and store (city.py's), an administrator and a leader, and one login cookie per session (a
    browser where the leader logged in before)."""
    from ui.auth import SESSION_COOKIE  # here, not at the top: the load processes need no Streamlit caches

    plans = [city.district_plan(folder / "plans", n) for n in range(len(city.DISTRICTS))]
    store = Store(db)
    start = time.perf_counter()
    written = city.fill(store, [load_plan(p) for p in plans], rows)
    accounts = Accounts(store)
    accounts.add("bench-admin", "admin", PASSWORD)
    accounts.add(LEADER.name, LEADER.role, PASSWORD)
    cookies = [{SESSION_COOKIE: accounts.open_session(LEADER)} for _ in range(sessions)]
    store.close()
    print(f"{'SQLite' if db.endswith('.db') else 'PostgreSQL'} store: {len(plans)} plans, {written:,} report rows,"
          f" built in {time.perf_counter() - start:.0f} s")
    return plans, cookies


def visits(url: str, plan_ids: list[str], cookies: list[dict[str, str]], n: int) -> list[Visit]:
    """The first n sessions: session i from 127.1.x.y, on plan i mod 20 and on the leader's pages in turn."""
    pages = ["" if page is HOME else page.name for page in PAGES if LEADER.may_open(page.name)]
    return [Visit(url, f"127.1.{i // 250}.{i % 250 + 1}", cookies[i], plan_ids[i % len(plan_ids)],
                  pages[i % len(pages)]) for i in range(n)]


async def _session(visit: Visit, go, stop, load: Load, rng: random.Random, warm: asyncio.Event) -> None:
    session = await Session.open(visit.url, cookies=visit.cookie, local_address=visit.address)
    try:
        load.upstreams.append(session.response_headers.get("x-upstream", ""))  # nginx's choice of server
        first = await session.run("")  # the first page, then the plan and the page this session looks at
        if "plan_dir" not in first.widgets:
            raise RuntimeError(f"not logged in as the leader: {first.headings} {first.errors}")
        session.select("plan_dir", visit.plan_id)
        await session.run(visit.page)
        warm.set()
        while not stop.is_set():
            await asyncio.sleep(rng.uniform(0.5, 2))
            measured = go.is_set()
            run = await session.run()
            if measured and not stop.is_set():
                load.reruns.append(run.seconds)
                load.errors += run.errors or ([] if run.headings else [f"{visit.page or HOME.name}: no heading"])
    finally:
        await session.close()


async def _window(go, stop, load: Load) -> None:
    while not go.is_set():
        await asyncio.sleep(0.05)
    before = _own_cpu()
    while not stop.is_set():
        await asyncio.sleep(0.05)
    load.cpu = _own_cpu() - before


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def load_process(visits_: list[Visit], seed: int, ready, go, stop, results) -> None:
    """A load process: its sessions rerun until stop; the reruns started after go are measured."""
    async def main() -> Load:
        load, rng = Load(), random.Random(seed)
        window = asyncio.create_task(_window(go, stop, load))
        warm = [asyncio.Event() for _ in visits_]
        sessions = [asyncio.create_task(_session(v, go, stop, load, rng, w)) for v, w in zip(visits_, warm)]
        while not all(w.is_set() or s.done() for w, s in zip(warm, sessions)):
            await asyncio.sleep(0.05)
        ready.put(os.getpid())  # every session has opened its page (or failed): the window may start
        outcome = await asyncio.gather(*sessions, return_exceptions=True)
        await window
        load.errors += [f"{type(e).__name__}: {e}" for e in outcome if isinstance(e, BaseException)]
        return load

    results.put(asyncio.run(main()))


def children(pattern: str) -> list[int]:
    """This process's child processes whose command line contains pattern (the servers: streamlit_server keeps
    its Popen to itself)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue
        if ppid == os.getpid() and pattern in command:
            found.append(int(entry.name))
    return found


def descendants(pid: int) -> list[int]:
    """pid and every process under it (nginx's master and its worker)."""
    tree, parents = [pid], {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    for candidate, parent in sorted(parents.items()):
        if parent in tree:
            tree.append(candidate)
    return tree


def cpu_seconds(pids: list[int]) -> float:
    """User + system seconds these processes have taken so far (/proc/PID/stat)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICK


def rss_mb(pid: int) -> float:
    """The process's resident memory now (VmRSS), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def step(sessions: list[Visit], per_process: int, seconds: float, servers: list[int], ports: list[int],
         proxy: list[int]) -> dict:
    """Run the sessions in load processes of per_process sessions each; measure over `seconds` once all are open.
    servers and proxy are the processes whose CPU and memory are read; ports the servers' (for nginx's choice)."""
    context = multiprocessing.get_context("spawn")
    ready, results, go, stop = context.Queue(), context.Queue(), context.Event(), context.Event()
    groups = [sessions[i:i + per_process] for i in range(0, len(sessions), per_process)]
    processes = [context.Process(target=load_process, args=(group, n, ready, go, stop, results))
                 for n, group in enumerate(groups)]
    for process in processes:
        process.start()
    opened = time.perf_counter()
    _collect(ready, processes)
    opened = time.perf_counter() - opened
    server_cpu, proxy_cpu = cpu_seconds(servers), cpu_seconds(proxy)
    start, peak = time.perf_counter(), dict.fromkeys(servers, 0.0)
    go.set()
    while time.perf_counter() - start < seconds:
        for pid in servers:
            peak[pid] = max(peak[pid], rss_mb(pid))
        time.sleep(min(1.0, max(0.0, seconds - (time.perf_counter() - start))))
    wall = time.perf_counter() - start
    server_cpu, proxy_cpu = cpu_seconds(servers) - server_cpu, cpu_seconds(proxy) - proxy_cpu
    stop.set()
    loads = _collect(results, processes)
    for process in processes:
        process.join(60)
    reruns = sorted(r for load in loads for r in load.reruns)
    upstreams = [upstream for load in loads for upstream in load.upstreams]
    return {"sessions": len(sessions), "processes": len(processes), "opened": opened, "reruns": len(reruns),
            "median": statistics.median(reruns) if reruns else float("nan"),
            "p90": statistics.quantiles(reruns, n=10, method="inclusive")[8] if len(reruns) > 1
            else (reruns or [float("nan")])[0],
            "rss": [peak[pid] for pid in servers], "server_cores": server_cpu / wall,
            "load_cores": sum(load.cpu for load in loads) / wall, "proxy_cores": proxy_cpu / wall,
            "errors": [e for load in loads for e in load.errors],
            "spread": [upstreams.count(f"127.0.0.1:{port}") for port in ports]}


def _collect(queue, processes: list) -> list:
    """One item from each process, failing at once when a process has died without sending its item."""
    items = []
    while len(items) < len(processes):
        try:
            items.append(queue.get(timeout=1))
        except Empty:
            dead = [p.exitcode for p in processes if p.exitcode not in (None, 0)]
            if dead:
                raise RuntimeError(f"a load process failed (exit code {dead[0]}); its traceback is above") from None
    return items


HEADER = (f"{'sessions':>8} {'procs':>5} {'reruns':>6} {'median':>8} {'p90':>8} {'server RSS (MB)':>16} "
          f"{'server':>7} {'load':>6} {'nginx':>6} {'spread':>9} {'opened':>7} errors")


def line(result: dict) -> str:
    """One row of the table: the step's figures, CPU in cores over the window."""
    rss = "+".join(f"{mb:.0f}" for mb in result["rss"])
    spread = "/".join(map(str, result["spread"])) if len(result["spread"]) > 1 else "-"  # direct: no choice
    errors = f"{len(result['errors'])} {result['errors'][:1]}" if result["errors"] else "0"
    return (f"{result['sessions']:8d} {result['processes']:5d} {result['reruns']:6d} {result['median']:7.2f}s "
            f"{result['p90']:7.2f}s {rss:>16} {result['server_cores']:7.2f} {result['load_cores']:6.2f} "
            f"{result['proxy_cores']:6.2f} {spread:>9} {result['opened']:6.0f}s {errors}")


def configuration(count: int, db: str, plan_ids: list[str], cookies: list[dict[str, str]], args,
                  folder: Path) -> tuple[int, bool]:
    """Every step on `count` servers (behind nginx when more than one); returns the largest N with a median rerun
    within 1 s (0 when none), and whether some step went above 1 s (else the servers hold more than measured)."""
    with ExitStack() as stack:
        urls = [stack.enter_context(streamlit_server(ROOT / "dashboard.py", db)) for _ in range(count)]
        ports = [urlparse(url).port for url in urls]
        servers = [pid for port in ports for pid in children(f"--server.port {port}")]
        proxy = []
        url = urls[0]
        if count > 1:
            directory = folder / f"nginx-{count}"
            directory.mkdir()
            url = stack.enter_context(nginx_proxy(ports, directory))
            proxy = [p for master in children(str(directory / "nginx.conf")) for p in descendants(master)]
        print(f"\n== {count} server{'s behind nginx' if count > 1 else ', reached directly'} ({url})")
        print(HEADER, flush=True)
        held, above = 0, False
        for n in args.sessions:
            result = step(visits(url, plan_ids, cookies, n), args.per_process, args.seconds, servers, ports, proxy)
            print(line(result), flush=True)
            if result["median"] <= 1.0:
                held = n
            else:
                above = True
            if result["median"] > args.stop_above:
                break
        return held, above


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000, help="report rows in the city (default 200,000)")
    parser.add_argument("--sessions", default="1,5,10,20,30,40,60,80,100,120",
                        help="the numbers of open sessions to measure, in order")
    parser.add_argument("--seconds", type=float, default=60, help="the measured window of each step (default 60)")
    parser.add_argument("--per-process", type=int, default=10, help="sessions per load process (default 10)")
    parser.add_argument("--servers", default="1,2", help="the configurations: 1 server, 2 behind nginx")
    parser.add_argument("--stop-above", type=float, default=3.0,
                        help="stop a configuration after a step whose median rerun exceeds this (s)")
    parser.add_argument("--pg", help="an empty PostgreSQL database's URL instead of a SQLite file")
    args = parser.parse_args()
    args.sessions = [int(n) for n in args.sessions.split(",")]
    began = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = args.pg or str(folder / "city.db")
        plans, cookies = build(folder, db, args.rows, max(args.sessions))
        plan_ids = [f"city-{n + 1:02d}" for n in range(len(plans))]
        print(f"{os.cpu_count()} cores for everything; load average before: "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        held = {}
        with city.environment(TRACKER_PLANS=str(plans[0].parent)):
            for count in (int(c) for c in args.servers.split(",")):
                held[count] = configuration(count, db, plan_ids, cookies, args, folder)
        for count, (n, above) in held.items():
            print(f"{count} server{'s' if count > 1 else ''}: {'' if above else 'at least '}{n} sessions with a"
                  f" median rerun within 1 s{'' if above else ' (no step measured went above it)'}")
        if held.get(1, (0,))[0] and held.get(2, (0,))[0]:
            print(f"two servers hold {held[2][0] / held[1][0]:.1f}x as many as one")
    print(f"measured in {(time.perf_counter() - began) / 60:.0f} min")


if __name__ == "__main__":
    main()
