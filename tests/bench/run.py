"""`scripts/bench`: each query's latency over HTTP against the time of the same SQL run directly.

For every database (SQLite at ./var/bench.sqlite3, and PostgreSQL with --postgres-url):

1. build or reuse the bench dataset (`clientele seed --scale bench`), make a read token for an
   admin (`clientele create-user`, `create-token`);
2. start two `clientele serve` on free loopback ports: one to time (`CLIENTELE_DEBUG_SQL=1`),
   one that also captures the statements with their parameters (`CLIENTELE_BENCH_CAPTURE=1`,
   kept apart so that capturing costs the timed requests nothing);
3. per query: warm-up requests, the statements of one request from the capturing server, then
   rounds of one timed request (`http.client`, one keep-alive connection: tests/bench/wire.py)
   and one replay of those statements straight on the driver: p50/p95 of the requests,
   `sql_ms` the p50 of the replays' summed statement times, `overhead_ratio` = p50_ms / sql_ms;
4. with --explain, the plan of every statement;
5. on PostgreSQL, requests per second of customer_list from 16 concurrent clients against
   `serve --workers 2`.

The servers are stopped on the way out, whatever happens (Ctrl-C included).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import platform
import signal
import sqlite3
import statistics
import sys
import threading
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx

from tests.bench import dataset as datasets
from tests.bench.dataset import Dataset, DatasetError
from tests.bench.processes import Server, ServerError
from tests.bench.queries import CUSTOMER_LTV_CURSORS, QUERIES, BenchQuery
from tests.bench.wire import Wire, WireResponse
from tests.bench.replay import AiosqliteReplay, AsyncpgReplay, SqliteReplay, Statement, is_begin, statements

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE = ROOT / "var" / "bench.sqlite3"
STATEMENT_TARGET = 15
RATIO_TARGET = 2.0
CUSTOMER_ID = "query BenchCustomer($number: String!) { customer(number: $number) { id } }"


@dataclass(frozen=True)
class Plan:
    """How much to repeat: --quick is meant to finish in under 5 minutes on 2 cores."""

    warmups: int
    runs: int
    budget_s: float  # per query: stop repeating (after min_runs) once spent
    min_runs: int
    load_s: float
    load_warmup_s: float
    clients: int = 16

    @classmethod
    def of(cls, quick: bool, runs: int | None) -> Plan:
        plan = cls(3, 20, 30.0, 5, 10.0, 2.0) if quick else cls(10, 100, 180.0, 20, 30.0, 5.0)
        return plan if runs is None else cls(plan.warmups, runs, plan.budget_s * max(1.0, runs / plan.runs),
                                             min(plan.min_runs, runs), plan.load_s, plan.load_warmup_s)


@dataclass
class Result:
    name: str
    database: str
    p50_ms: float | None = None
    p95_ms: float | None = None
    sql_ms: float | None = None
    sql_statements: int | None = None
    overhead_ratio: float | None = None
    runs: int = 0
    replays: int = 0
    server_sql_ms: float | None = None  # p50 of the server's own extensions.sql.durationMs
    sql_ms_aiosqlite: float | None = None  # SQLite: the same replay through aiosqlite
    response_bytes: int | None = None
    executor: str | None = None  # extensions.executor of the answers: "lean" or "standard", when the server says
    statements: list[dict[str, Any]] = field(default_factory=list)  # each statement's p50 in the replay
    latencies_ms: list[float] = field(default_factory=list)  # every timed request, in order
    available: bool = True
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    rows: int | None = None  # export_customers: the rows in the file
    peak_memory_mb: float | None = None  # export_customers: the server's peak resident memory during it
    memory_growth_mb: float | None = None  # ... less what it held before the export started


class QueryFailed(Exception):
    """A request answered with errors or a bad status."""


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    for name in ("json", "explain", "sqlite_path"):  # as given, from where the command was started
        if getattr(args, name) is not None:
            setattr(args, name, getattr(args, name).resolve())
    os.chdir(ROOT)
    signal.signal(signal.SIGTERM, _interrupt)  # so that `finally` stops the servers on kill too
    try:
        return asyncio.run(bench(args))
    except KeyboardInterrupt:
        print("bench: interrupted; servers stopped", file=sys.stderr)
        return 130
    except (DatasetError, ServerError, QueryFailed) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1


def _interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (20 instead of 100); < 5 min")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results as JSON to PATH")
    parser.add_argument("--postgres-url", metavar="URL",
                        help="also measure on this PostgreSQL database (empty: seeded first; or seeded already)")
    parser.add_argument("--sqlite-path", type=Path, default=DEFAULT_SQLITE, metavar="PATH",
                        help="the SQLite bench database (default: ./var/bench.sqlite3; built when missing)")
    parser.add_argument("--seed", type=int, default=1, help="the dataset's random seed (default: 1)")
    parser.add_argument("--runs", type=int, help="timed runs per query (overrides the default of the mode)")
    parser.add_argument("--only", metavar="NAME", action="append", help="measure only this query (repeatable)")
    parser.add_argument("--no-sqlite", action="store_true", help="measure PostgreSQL only")
    parser.add_argument("--explain", type=Path, metavar="PATH",
                        help="write the query plan of every captured statement to PATH "
                             "(EXPLAIN QUERY PLAN on SQLite, EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL)")
    return parser.parse_args(argv)


async def bench(args: argparse.Namespace) -> int:
    plan = Plan.of(args.quick, args.runs)
    queries = [q for q in QUERIES if not args.only or q.name in args.only]
    targets: list[tuple[str, Path | None]] = []
    if not args.no_sqlite:
        targets.append((datasets.sqlite_url(args.sqlite_path), args.sqlite_path))
    if args.postgres_url:
        targets.append((args.postgres_url, None))
    started = time.perf_counter()
    report: dict[str, Any] = {"datasets": [], "queries": [], "throughput": None,
                              "machine": await machine(args.postgres_url), "plan": {**asdict(plan), "quick": args.quick}}
    plans: list[str] = []
    load = os.getloadavg()[0]
    if load > 0.5 * (os.cpu_count() or 1):
        print(f"bench: warning: the machine is busy (load average {load:.2f} on {os.cpu_count()} CPUs); "
              "the numbers will be noisy", file=sys.stderr)
    for url, path in targets:
        data = await datasets.prepare(url, seed=args.seed, sqlite_path=path,
                                      rebuild_allowed=path == DEFAULT_SQLITE.resolve())
        await datasets.pick_large_customer(data)
        report["datasets"].append(data.summary())
        token = await datasets.api_token(url)
        print(f"bench: {data.database}: {data.counts['customers']:,} customers, "
              f"{data.counts['invoice_lines']:,} invoice lines; large customer {data.customer_number} "
              f"({data.customer_invoice_lines:,} lines)", file=sys.stderr, flush=True)
        results, explained = await measure_database(data, token, plan, queries, explain=args.explain is not None,
                                                    export=not args.only or EXPORT in args.only)
        report["queries"] += [asdict(r) for r in results]
        plans += explained
        if data.database == "postgresql" and any(q.name == "customer_list" for q in queries):
            report["throughput"] = await measure_throughput(data, token, plan)
    report["dataset"] = report["datasets"][0] if report["datasets"] else {}
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(table(report))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"bench: wrote {args.json}", file=sys.stderr)
    if args.explain:
        args.explain.parent.mkdir(parents=True, exist_ok=True)
        args.explain.write_text("\n".join(plans) + "\n")
        print(f"bench: wrote the query plans to {args.explain}", file=sys.stderr)
    return 1 if any(q.get("error") for q in report["queries"]) else 0


async def measure_database(data: Dataset, token: str, plan: Plan, queries: list[BenchQuery], *,
                           explain: bool, export: bool = False) -> tuple[list[Result], list[str]]:
    """Every query on one database, with its two servers and its replay connections."""
    results, plans = [], []
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    with ExitStack() as stack:
        timing = stack.enter_context(Server(data.url, label=f"{data.database}-timing"))
        capture = stack.enter_context(Server(data.url, capture=True, label=f"{data.database}-capture"))
        timed = stack.enter_context(httpx.Client(base_url=timing.base_url, headers=headers, timeout=300))
        capturing = stack.enter_context(httpx.Client(base_url=capture.base_url, headers=headers, timeout=300))
        wire = stack.enter_context(Wire(timing.base_url, headers))
        replayers = await open_replayers(data)
        try:
            customer_id = ok(timed, CUSTOMER_ID, {"number": data.customer_number})["data"]["customer"]["id"]
            if export:
                result = Result(EXPORT, data.database)
                try:
                    measure_export(timing, timed, plan, result)
                except QueryFailed as error:
                    result.error = str(error)
                results.append(result)
                print(f"bench: {line(result)}", file=sys.stderr, flush=True)
            for query in queries:
                result = Result(query.name, data.database)
                try:
                    variables = prepare_variables(timed, query, customer_id)
                    batch = await measure(wire, capturing, replayers, query, variables, plan, result)
                    if explain:
                        plans += await explain_all(replayers, result, batch)
                except QueryFailed as error:
                    result.error = str(error)
                results.append(result)
                print(f"bench: {line(result)}", file=sys.stderr, flush=True)
        finally:
            for replayer in replayers.values():
                closed = replayer.close()
                if asyncio.iscoroutine(closed):
                    await closed
    return results, plans


async def open_replayers(data: Dataset) -> dict[str, Any]:
    if data.database == "sqlite":
        path = Path(data.url.split("///", 1)[1])
        return {"sqlite3": SqliteReplay(path), "aiosqlite": await AiosqliteReplay(path).open()}
    return {"asyncpg": await AsyncpgReplay(data.url).open()}


def prepare_variables(client: httpx.Client, query: BenchQuery, customer_id: str) -> dict[str, Any]:
    variables = dict(query.variables)
    if query.needs == "customer":
        variables["id"] = customer_id
    elif query.needs == "page20":  # walk the cursors of pages 1..19 once, untimed
        after = None
        for _page in range(19):
            page = ok(client, CUSTOMER_LTV_CURSORS, {"first": variables["first"], "after": after})
            after = page["data"]["customers"]["pageInfo"]["endCursor"]
        variables["after"] = after
    return variables


async def measure(wire: Wire, capturing: httpx.Client, replayers: dict[str, Any],
                  query: BenchQuery, variables: dict[str, Any], plan: Plan, result: Result) -> list[Statement]:
    """The request and the replay of its statements, taken in turns so that both see the same machine.

    The statements come from one request to the capturing server (captured after the warm-ups);
    then each round times one request on the timing server and one replay on every driver.
    p50/p95 are of the requests; sql_ms is the p50 of the replays' summed statement times.
    """
    body = json.dumps({"query": query.document, "variables": variables}).encode()
    for _ in range(plan.warmups):
        first = checked(wire.post("/graphql", body))
    captured = ok(capturing, query.document, variables)
    if captured["data"] != first["data"]:
        result.notes.append("the capturing server answered differently from the timing server")
    batch = statements(captured["extensions"]["sql"]["captured"])
    for replayer in replayers.values():
        for _ in range(plan.warmups):
            await _replay(replayer, batch)
    latencies: list[float] = []
    server_sql: list[float] = []
    replays: dict[str, list[list[float]]] = {name: [] for name in replayers}
    deadline = time.perf_counter() + plan.budget_s
    while len(latencies) < plan.runs and (len(latencies) < plan.min_runs or time.perf_counter() < deadline):
        started = time.perf_counter()
        response = wire.post("/graphql", body)
        latencies.append(time.perf_counter() - started)
        answer = checked(response)
        server_sql.append(answer["extensions"]["sql"]["durationMs"])
        for name, replayer in replayers.items():
            replays[name].append(await _replay(replayer, batch))
    result.runs = result.replays = len(latencies)
    result.response_bytes = len(response.content)
    result.latencies_ms = [ms(seconds) for seconds in latencies]
    result.p50_ms, result.p95_ms = ms(statistics.median(latencies)), ms(p95(latencies))
    result.server_sql_ms = round(statistics.median(server_sql), 2)
    result.sql_statements = answer["extensions"]["sql"]["statements"]
    result.executor = answer["extensions"].get("executor")
    if len(batch) != result.sql_statements:
        result.notes.append(f"captured {len(batch)} statements, counted {result.sql_statements}")
    for name, runs in replays.items():
        median = ms(statistics.median(sum(times) for times in runs))
        if name == "aiosqlite":
            result.sql_ms_aiosqlite = median
            continue
        result.sql_ms = median
        each = [statistics.median(times[i] for times in runs) for i in range(len(batch))]
        result.statements = [{"ms": ms(seconds), "sql": _headline(batch[i][0])} for i, seconds in enumerate(each)]
    if result.sql_ms:
        result.overhead_ratio = round(result.p50_ms / result.sql_ms, 2)
    return batch


EXPORT = "export_customers"
# Every customer, active or not (10,000 at bench scale), with the list's default columns.
EXPORT_PATH = "/export/customers.xlsx?filter=" + json.dumps({"includeInactive": True})


def measure_export(server: Server, client: httpx.Client, plan: Plan, result: Result) -> None:
    """`GET /export/customers.xlsx` of every customer, streamed to nowhere: latency and the
    server's peak resident memory (sampled every 5 ms from /proc while the export runs)."""
    runs = 3 if plan.runs <= 20 else 5
    latencies: list[float] = []
    peaks: list[float] = []
    growths: list[float] = []
    for _ in range(runs + 1):  # the first is a warm-up
        before = _rss_mb(server)
        sampler = _Sampler(server)
        sampler.start()
        started = time.perf_counter()
        size = 0
        with client.stream("GET", EXPORT_PATH) as response:
            if response.status_code != 200:
                sampler.stop()
                raise QueryFailed(f"HTTP {response.status_code}: {response.read()[:300]!r}")
            for chunk in response.iter_bytes():
                size += len(chunk)
        latencies.append(time.perf_counter() - started)
        sampler.stop()
        peaks.append(sampler.peak)
        growths.append(sampler.peak - before)
    latencies, peaks, growths = latencies[1:], peaks[1:], growths[1:]
    result.runs = len(latencies)
    result.response_bytes = size
    result.latencies_ms = [ms(seconds) for seconds in latencies]
    result.p50_ms, result.p95_ms = ms(statistics.median(latencies)), ms(max(latencies))
    result.peak_memory_mb = round(max(peaks), 1)
    result.memory_growth_mb = round(max(growths), 1)
    result.rows = _xlsx_rows(client)
    result.notes.append(f"{result.rows:,} rows, {size / 1e6:.1f} MB; server peak {result.peak_memory_mb} MB "
                        f"(+{result.memory_growth_mb} MB during the export)")


def _xlsx_rows(client: httpx.Client) -> int:
    """The customers the export holds: the list's totalCount with the same filter."""
    answer = ok(client, "{ customers(filter: {includeInactive: true}) { totalCount } }", {})
    return answer["data"]["customers"]["totalCount"]


def _rss_mb(server: Server) -> float:
    """Resident memory of the server process and its children, in MB (Linux /proc)."""
    assert server.process is not None
    total = 0
    pids = [server.process.pid]
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    if children.exists():
        pids += [int(pid) for pid in children.read_text().split()]
    for pid in pids:
        try:
            for text_line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if text_line.startswith("VmRSS:"):
                    total += int(text_line.split()[1])
        except FileNotFoundError:
            continue
    return total / 1024


class _Sampler:
    def __init__(self, server: Server) -> None:
        self.server, self.peak, self._stop = server, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_mb(self.server))

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, _rss_mb(self.server))


async def _replay(replayer: Any, batch: list[Statement]) -> list[float]:
    times = replayer.run(batch)
    return await times if asyncio.iscoroutine(times) else times


def _headline(sql: str) -> str:
    """The statement in one line, cut short: enough to tell which it is."""
    words = " ".join(sql.split())
    return words if len(words) <= 160 else words[:157] + "..."


async def explain_all(replayers: dict[str, Any], result: Result, batch: list[Statement]) -> list[str]:
    replayer = replayers.get("sqlite3") or replayers["asyncpg"]
    out = [f"## {result.name} on {result.database}", ""]
    for number, (sql, params) in enumerate(batch, start=1):
        if is_begin(sql):
            continue
        plan = replayer.explain(sql, params)
        plan = await plan if asyncio.iscoroutine(plan) else plan
        took = result.statements[number - 1]["ms"] if len(result.statements) >= number else None
        out += [f"### statement {number} ({took} ms)", "", "```sql", sql.strip(), "```", "",
                f"params: {list(params)[:20]}{' …' if len(params) > 20 else ''}", "", "```", *plan, "```", ""]
    return out


async def measure_throughput(data: Dataset, token: str, plan: Plan) -> dict[str, Any]:
    """customer_list from `plan.clients` concurrent keep-alive clients against `serve --workers 2`."""
    query = next(q for q in QUERIES if q.name == "customer_list")
    body = {"query": query.document, "variables": query.variables}
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    limits = httpx.Limits(max_connections=plan.clients, max_keepalive_connections=plan.clients)
    with Server(data.url, workers=2, debug_sql=False, label=f"{data.database}-workers2") as server:
        async with httpx.AsyncClient(base_url=server.base_url, headers=headers, limits=limits,
                                     timeout=120) as client:
            await _load(client, body, plan.clients, plan.load_warmup_s)
            latencies, errors, elapsed = await _load(client, body, plan.clients, plan.load_s)
    result = {"query": "customer_list", "database": data.database, "workers": 2, "clients": plan.clients,
              "seconds": round(elapsed, 1), "requests": len(latencies), "errors": errors,
              "requests_per_second": round(len(latencies) / elapsed, 1),
              "p50_ms": ms(statistics.median(latencies)) if latencies else None,
              "p95_ms": ms(p95(latencies)) if latencies else None}
    print(f"bench: throughput {result['requests_per_second']} req/s ({result['requests']} in "
          f"{result['seconds']} s, {errors} errors)", file=sys.stderr, flush=True)
    return result


async def _load(client: httpx.AsyncClient, body: dict[str, Any], clients: int,
                seconds: float) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = 0
    started = time.perf_counter()
    stop_at = started + seconds

    async def one_client() -> None:
        nonlocal errors
        while time.perf_counter() < stop_at:
            sent = time.perf_counter()
            response = await client.post("/graphql", json=body)
            if response.status_code != 200 or b'"errors"' in response.content:
                errors += 1
            else:
                latencies.append(time.perf_counter() - sent)

    await asyncio.gather(*(one_client() for _ in range(clients)))
    return latencies, errors, time.perf_counter() - started


def ok(client: httpx.Client, document: str, variables: dict[str, Any]) -> dict[str, Any]:
    return checked(client.post("/graphql", json={"query": document, "variables": variables}))


def checked(response: httpx.Response | WireResponse) -> dict[str, Any]:
    if response.status_code != 200:
        raise QueryFailed(f"HTTP {response.status_code}: {response.text[:500]}")
    answer = response.json()
    if answer.get("errors"):
        raise QueryFailed(f"errors: {json.dumps(answer['errors'])[:1000]}")
    return answer


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def line(result: Result) -> str:
    if result.error:
        return f"{result.name} on {result.database}: FAILED {result.error}"
    if result.name == EXPORT:
        return f"{result.name} on {result.database}: p50 {result.p50_ms} ms; {'; '.join(result.notes)}"
    return (f"{result.name} on {result.database}: p50 {result.p50_ms} ms, p95 {result.p95_ms} ms, "
            f"sql {result.sql_ms} ms in {result.sql_statements} statements, ratio {result.overhead_ratio}")


def table(report: dict[str, Any]) -> str:
    """The results as a plain-text table, with the targets of issue 5 marked."""
    head = (f"{'query':<29} {'database':<10} {'p50 ms':>9} {'p95 ms':>9} {'sql ms':>8} {'stmts':>5} "
            f"{'ratio':>6} {'srv sql':>8} {'aiosql':>8}  notes")
    out = ["", head, "-" * len(head)]
    for q in report["queries"]:
        if not q["available"]:
            out.append(f"{q['name']:<29} {'-':<10} {'not available yet':>36}")
            continue
        if q["error"]:
            out.append(f"{q['name']:<29} {q['database']:<10} FAILED: {q['error'][:200]}")
            continue
        marks = []
        if q["sql_statements"] is not None and q["sql_statements"] > STATEMENT_TARGET:
            marks.append(f"> {STATEMENT_TARGET} statements")
        if q["overhead_ratio"] is not None and q["overhead_ratio"] > RATIO_TARGET and q["database"] == "sqlite":
            marks.append(f"ratio > {RATIO_TARGET}")
        out.append(f"{q['name']:<29} {q['database']:<10} {_f(q['p50_ms']):>9} {_f(q['p95_ms']):>9} "
                   f"{_f(q['sql_ms']):>8} {_i(q['sql_statements']):>5} {_f(q['overhead_ratio']):>6} "
                   f"{_f(q['server_sql_ms']):>8} {_f(q['sql_ms_aiosqlite']):>8}  "
                   f"{'; '.join(marks + q['notes'])}")
    if report["throughput"]:
        t = report["throughput"]
        out += ["", (f"throughput: {t['query']} on {t['database']}, serve --workers {t['workers']}, "
                     f"{t['clients']} clients: {t['requests_per_second']} req/s (p50 {t['p50_ms']} ms, "
                     f"p95 {t['p95_ms']} ms, {t['errors']} errors, {t['seconds']} s)")]
    out += ["", ("sql ms: the captured statements replayed directly (sqlite3 / asyncpg), p50 of their sum; "
                 "ratio = p50 ms / sql ms;"),
            "srv sql: the server's own time in those statements; aiosql: the replay through aiosqlite.",
            f"{report['seconds']} s in all.", ""]
    return "\n".join(out)


def _i(value: int | None) -> str:
    return "-" if value is None else str(value)


def _f(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}" if value < 100 else f"{value:.0f}"


async def machine(postgres_url: str | None) -> dict[str, Any]:
    """What the numbers were measured on."""
    info: dict[str, Any] = {"platform": platform.platform(), "python": platform.python_version(),
                            "cpus": os.cpu_count(), "cpu_model": _proc_field("/proc/cpuinfo", "model name"),
                            "memory_gb": None, "sqlite": sqlite3.sqlite_version,
                            "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                            "load_average_before": [round(x, 2) for x in os.getloadavg()]}
    total = _proc_field("/proc/meminfo", "MemTotal")
    if total:
        info["memory_gb"] = round(int(total.split()[0]) / 1024 / 1024, 1)
    info["packages"] = {name: _version(name) for name in ("strawberry-graphql", "graphql-core", "sqlalchemy",
                                                          "starlette", "uvicorn", "uvloop", "httptools", "aiosqlite",
                                                          "asyncpg", "httpx")}
    if postgres_url:
        info["postgresql"] = await _pg_version(postgres_url)
    return info


def _proc_field(path: str, name: str) -> str | None:
    try:
        for text in Path(path).read_text().splitlines():
            if text.startswith(name):
                return text.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


async def _pg_version(url: str) -> str | None:
    replay = await AsyncpgReplay(url).open()
    try:
        return await replay.connection.fetchval("SHOW server_version")
    finally:
        await replay.close()
