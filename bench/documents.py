"""Benchmark documents end to end against issue 3's performance aims (prints figures, asserts nothing).

Run from the repository root: ``.venv/bin/python bench/documents.py [--revisions 200] [--seconds 5]``.
A ~100 KB strategy (``bench/_corpus.py``) gets ``--revisions`` ~1% edits through ``service.save`` on SQLite in
a temp dir, or on a throwaway database on the PostgreSQL server given by ``--database-url``. A child process
serves the app (werkzeug, threaded) to ``--clients`` keep-alive threads; compare, merge3, attribution and the
history page are timed in-process. "cpu" is CPU time, which a busy machine does not inflate as it does wall time.
"""

from __future__ import annotations

import argparse
import http.client
import logging
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _corpus import Writer  # noqa: E402 (bench/ is on sys.path when run as a script)

from wiki import create_app  # noqa: E402 (needs the sys.path line above)
from wiki.auth.service import create_user  # noqa: E402
from wiki.documents import diffcore, history, revisions, service, spans  # noqa: E402
from wiki.extensions import db  # noqa: E402
from wiki.spaces.models import Membership  # noqa: E402
from wiki.spaces.service import create_space  # noqa: E402

SPACE, TRIVIAL = "strategy", "/bench-trivial"
EMAIL, PASSWORD = "bench@example.org", "correct horse battery"


def make_app(url: str, instance: str):
    os.environ["WIKI_INSTANCE_PATH"] = instance
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    app.add_url_rule(TRIVIAL, "bench_trivial", lambda: "ok")
    return app


def database(url: str | None, tmp: str):
    """SQLite in `tmp`, or a throwaway database on the PostgreSQL server at `url`."""
    from tests.throwaway import database_url

    return database_url(url, tmp)


def timed(fn):
    """(wall ms, cpu ms, result)."""
    wall, cpu = time.perf_counter(), time.thread_time()
    result = fn()
    return (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000, result


def pct(values, q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def report(name: str, samples: list[tuple[float, float]]) -> dict:
    """Print one line for (wall, cpu) samples; return the figures."""
    walls, cpus = [w for w, _ in samples], [c for _, c in samples]
    out = {"p50": statistics.median(walls), "p95": pct(walls, 0.95), "max": max(walls),
           "cpu p95": pct(cpus, 0.95), "cpu max": max(cpus)}
    print(f"{name:<36} n={len(samples):<4} p50 {out['p50']:7.1f}  p95 {out['p95']:7.1f}  max {out['max']:7.1f} ms"
          f"   (cpu p95 {out['cpu p95']:6.1f}, max {out['cpu max']:6.1f})")
    return out


def build(writer: Writer, count: int) -> tuple[object, list[tuple[float, float]]]:
    """A user, a public space, a 100 KB document and `count` saves of ~1% edits (each timed)."""
    user = create_user(db.session, EMAIL, "Bench Writer", PASSWORD)
    space = create_space(db.session, SPACE, "Strategy")
    db.session.add(Membership(space=space, user=user, role="editor"))
    db.session.commit()
    text_ = writer.document(100)
    wall, cpu, document = timed(lambda: service.create_document(db.session, space, user, "Strategy", text_))
    print(f"document: {len(text_.encode()) / 1024:.1f} KB, {text_.count(chr(10))} lines; created in {wall:.0f} ms")
    saves = []
    for _ in range(count):
        text_, base = writer.revise(text_), document.head_number
        wall, cpu, outcome = timed(lambda t=text_, b=base: service.save(db.session, document, user, t, b))
        assert outcome.created and not outcome.merged
        saves.append((wall, cpu))
    return document, saves


def serve(url: str, instance: str, pipe) -> None:
    """Child process: the same app, served by werkzeug's threaded server on a free port."""
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = make_server("127.0.0.1", 0, make_app(url, instance), threaded=True)
    pipe.send(server.port)
    server.serve_forever()


def _client(port: int, path: str, deadline: float, headers: dict) -> tuple[list[float], int]:
    """GET `path` on one keep-alive connection until `deadline`: (latencies in ms, response size)."""
    conn, latencies, size = http.client.HTTPConnection("127.0.0.1", port, timeout=60), [], 0
    while not latencies or time.perf_counter() < deadline:
        start = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        size = len(response.read())
        if response.status != 200:
            raise RuntimeError(f"GET {path}: HTTP {response.status}")
        latencies.append((time.perf_counter() - start) * 1000)
    conn.close()
    return latencies, size


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc; 0 elsewhere)."""
    stat = Path(f"/proc/{pid}/stat")
    fields = stat.read_text().rsplit(")", 1)[1].split() if stat.exists() else [0] * 13
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _login(port: int, page: str) -> dict:
    """The headers of the bench writer's signed-in session (the testing config has no CSRF on forms),
    after one view of `page` as a browser would make it: the session cookie it then keeps has shown
    its "Welcome back" message and holds its CSRF secret (the clients below never store cookies)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", "/login", body=f"email={EMAIL}&password={PASSWORD}",
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    cookie = response.getheader("Set-Cookie", "").split(";", 1)[0]
    if response.status != 302 or not cookie:
        raise RuntimeError(f"login: HTTP {response.status}")
    conn.request("GET", page, headers={"Cookie": cookie})
    response = conn.getresponse()
    response.read()
    return {"Cookie": (response.getheader("Set-Cookie") or cookie).split(";", 1)[0]}


def load(port: int, pid: int, path: str, args, headers: dict | None = None) -> tuple[float, float]:
    """Requests/second and server CPU ms/request of `--clients` connections GETting `path` for `--seconds`."""
    headers = headers or {}
    _client(port, path, time.perf_counter() + 0.2, headers)  # warm-up
    start, cpu = time.perf_counter(), _cpu_seconds(pid)
    with ThreadPoolExecutor(args.clients) as pool:
        results = list(pool.map(lambda _: _client(port, path, start + args.seconds, headers), range(args.clients)))
    flat, size = [ms for latencies, _ in results for ms in latencies], results[0][1]
    rate, cpu = len(flat) / (time.perf_counter() - start), (_cpu_seconds(pid) - cpu) * 1000 / len(flat)
    who = "*" if headers else " "
    print(f"GET {path:<22}{who}{rate:6.1f} req/s  p50 {statistics.median(flat):5.1f}  p95 {pct(flat, 0.95):6.1f} ms"
          f"  server cpu {cpu:5.2f} ms/req  ({len(flat)} requests, {args.clients} clients, {size / 1024:.1f} KB)")
    return rate, cpu


def measure_views(url: str, instance: str, page: str, args) -> tuple[float, float, float, float]:
    """View rate / trivial rate (one child serves both) and trivial / view server CPU per request, for
    readers who are not signed in and for an editor of the space (whose page is their role's shared
    part with their own parts rendered fresh: wiki/documents/shell_page.py)."""
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(target=serve, args=(url, instance, child), daemon=True)
    server.start()
    try:
        if not parent.poll(120):
            raise RuntimeError("the server process did not start (its traceback is above)")
        port = parent.recv()
        (trivial, trivial_cpu), (view, view_cpu) = (load(port, server.pid, path, args) for path in (TRIVIAL, page))
        signed_in, signed_in_cpu = load(port, server.pid, page, args, _login(port, page))
        print("(* signed in as an editor of the space)")
        return (view / trivial, trivial_cpu / view_cpu if view_cpu else float("nan"), signed_in / trivial,
                trivial_cpu / signed_in_cpu if signed_in_cpu else float("nan"))
    finally:
        server.terminate()
        server.join()


def measure_compares(document, gap: int, counters: dict) -> dict:
    """history.compare of pairs `gap` apart, counting cut-short diffs and word-level (coarse) runs."""
    def counting_diff(old: str, new: str):
        ops, coarse = diffcore.diff_with_report(old, new)
        counters["coarse runs"] += coarse
        return ops

    last = document.head_number
    starts = range(1, last - gap + 1, max(1, (last - gap) // 20) if gap > 1 else 1)
    samples = []
    with mock.patch.object(revisions, "diff", counting_diff):
        for n in starts:
            wall, cpu, comparison = timed(lambda n=n: history.compare(db.session, document, n, n + gap))
            samples.append((wall, cpu))
            old, new = ("".join(t for op, t in comparison.ops if op != skip) for skip in (1, -1))
            counters["cut short"] += (old, new) != (comparison.old.text, comparison.new.text)
    return report(f"history.compare, {gap} apart", samples)


def measure_merges(document, writer: Writer) -> dict:
    samples, conflicts = [], 0
    for n in range(1, document.head_number, max(1, document.head_number // 20)):
        base = service.get_revision(db.session, document, n).text
        theirs, mine = writer.revise(base), writer.revise(base)
        wall, cpu, result = timed(lambda b=base, t=theirs, m=mine: revisions.merge3(b, t, m))
        samples.append((wall, cpu))
        conflicts += len(result.conflicts)
    print(f"merge3: {conflicts} conflicting regions in {len(samples)} merges")
    return report("merge3 of two 1% edits", samples)


def measure_attribution(document) -> tuple[dict, dict]:
    """Cold (the per-head cache emptied first, as after a save) and warm."""
    def run(cold: bool):
        if cold:
            spans.clear_cache()
        return history.attribution(db.session, document)

    cold = report("history.attribution, cold", [timed(lambda: run(True))[:2] for _ in range(5)])
    credits = run(False)
    print(f"attribution: {len(credits)} blocks, {len({c.revision.number for c in credits})} distinct revisions")
    return cold, report("history.attribution, warm", [timed(lambda: run(False))[:2] for _ in range(20)])


def measure_history_page(app, page: str) -> dict:
    client = app.test_client()
    assert client.get(page).status_code == 200
    return report("GET history page (test client)", [timed(lambda: client.get(page))[:2] for _ in range(20)])


def measure_all(args, url: str, instance: str) -> tuple[dict, dict]:
    """Every measurement, in order; returns the figures and the diff counters."""
    app, writer, f, counters = make_app(url, instance), Writer(seed=2024), {}, {"cut short": 0, "coarse runs": 0}
    with app.app_context():
        db.create_all()
        document, saves = build(writer, args.revisions)
        f["save"] = report(f"service.save x{len(saves)} (render+commit)", saves)
        page = f"/s/{SPACE}/{document.slug}"
        db.session.rollback()  # on SQLite every transaction holds the write lock (BEGIN IMMEDIATE)
        f["ratio"], f["cpu ratio"], f["signed-in ratio"], f["signed-in cpu ratio"] = measure_views(
            url, instance, page, args)
        f["adjacent"] = measure_compares(document, 1, counters)
        f["gap"] = min(100, document.head_number - 1)
        f["far"] = measure_compares(document, f["gap"], counters)
        f["merge"] = measure_merges(document, writer)
        f["cold"], f["warm"] = measure_attribution(document)
        print(f"diffs cut short: {counters['cut short']} (must be 0); coarse runs: {counters['coarse runs']}")
        db.session.remove()
    f["history"] = measure_history_page(app, f"{page}/history")
    with app.app_context():
        db.engine.dispose()
    return f, counters


def aims(f: dict, counters: dict) -> list[tuple]:
    """(name, wall figure, cpu figure or None, comparison, aim, unit) per figure of issue 3."""
    return [
        ("cached view rate / trivial route rate", 100 * f["ratio"], 100 * f["cpu ratio"], ">=", 50, "%"),
        ("signed-in view rate / trivial (no aim)", 100 * f["signed-in ratio"], 100 * f["signed-in cpu ratio"], "",
         None, "%"),
        ("save p95", f["save"]["p95"], f["save"]["cpu p95"], "<=", 150, "ms"),
        ("diff adjacent revisions, max", f["adjacent"]["max"], f["adjacent"]["cpu max"], "<=", 50, "ms"),
        (f"diff revisions {f['gap']} apart, max", f["far"]["max"], f["far"]["cpu max"], "<=", 50, "ms"),
        ("diffs cut short", counters["cut short"], None, "==", 0, ""),
        ("attribution of the head, cold, max", f["cold"]["max"], f["cold"]["cpu max"], "<=", 200, "ms"),
        ("merge3 of two 1% edits, p95 (no aim)", f["merge"]["p95"], f["merge"]["cpu p95"], "", None, "ms"),
        ("history page, p95 (no aim)", f["history"]["p95"], f["history"]["cpu p95"], "", None, "ms"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--revisions", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each HTTP load run")
    parser.add_argument("--clients", type=int, default=4, help="concurrent keep-alive client threads")
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: SQLite in a temp dir)")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; dmp Diff_Timeout = "
          f"{diffcore._DMP.Diff_Timeout} (0: no diff is ever cut short by time)")
    with tempfile.TemporaryDirectory() as tmp, database(args.database_url, tmp) as url:
        figures, counters = measure_all(args, url, f"{tmp}/instance")
    print_table(aims(figures, counters))


def _judge(op: str, figure: float, aim: float) -> str:
    ok = {">=": float.__ge__, "<=": float.__le__, "==": float.__eq__}[op](float(figure), float(aim))
    return "PASS" if ok else "MISS"


def print_table(rows: list[tuple]) -> None:
    """Rows of (name, wall figure, cpu figure or None, comparison, aim, unit), judged on wall then cpu time."""
    print(f"\n{'':<38} {'measured':>9} {'(cpu)':>8}   {'aim':<10} result (on cpu time)")
    for name, figure, cpu, op, aim, unit in rows:
        verdict = _judge(op, figure, aim) + (f" ({_judge(op, cpu, aim)})" if cpu is not None else "") if op else ""
        cpu_text = f"({cpu:.1f})" if cpu is not None else ""
        print(f"{name:<38} {figure:9.1f} {cpu_text:>8}   {f'{op} {aim:g} {unit}' if op else '':<10} {verdict}")
    judged = [row for row in rows if row[3]]
    print(f"{sum(_judge(r[3], r[1], r[4]) == 'PASS' for r in judged)}/{len(judged)} aims met on wall-clock time")


if __name__ == "__main__":
    main()
