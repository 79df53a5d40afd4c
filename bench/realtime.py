"""Benchmark live co-editing against issue 4's aims (prints figures and PASS/MISS, asserts nothing).

Run from the repository root: ``.venv/bin/python bench/realtime.py [--quick] [--database-url URL]
[--editors raw|socketio]`` (about 3 minutes; ``--quick`` about 1). On loopback:

* **servers** — one wiki process, ``flask --app wiki serve`` (Werkzeug, threaded; production config;
  SQLite in a temp dir, or a throwaway database on the PostgreSQL server given by --database-url; no
  Redis: one process), and the baseline, a bare Flask-SocketIO relay (``bench/_relay.py``: no CRDT, no
  persistence, served the same way).
* **editors** — in other processes (bench/_editors.py). All editors of a run share one fresh ~100 KB
  document. Each joins like a real client (join, SyncStep1, answers the server's SyncStep1), keeps its
  own pycrdt Doc, and computes its updates in advance: each inserts a unique marker
  ``~<editor>-<n>~`` at a random place. It sends them at a fixed rate (random phase), each with an ack
  id, and records when every other editor's markers arrive. ``--editors raw`` (default): the protocol
  over raw websockets, 50 editors per process read on one thread (bench/_raw_editor.py), so the
  figures are the server's; ``--editors socketio``: python-socketio clients, 10 per process, which
  cost ~150–200 µs of CPU per received message and on 2 CPUs competed with the server for a CPU.
* **latency** = arrival − send, one ``time.monotonic`` clock for every process; the send times are
  kept in a side table. An update that has not reached a peer when the drain time ends counts as
  infinitely late, so percentiles and the delivery rate always cover every expected delivery.
* **CPU per update** = the server's utime+stime (``/proc/<pid>/stat``) from the first send until
  everything was delivered (or the drain time ended), ÷ updates acknowledged. **Memory** = ``VmRSS``
  deltas of the server process, measured first, while its heap is fresh.
* **where p95 passes 2 s** — levels of 2 updates/s per editor: 150, 200, 300, 400 after 100 if 100
  stayed under; otherwise two levels between the last one under and the first one over.

Figures depend on the machine and on what else runs on it: the load average is printed first.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from array import array
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _corpus import Writer  # noqa: E402 (bench/ is on sys.path when run as a script)
from _editors import PER_PROCESS, worker_main  # noqa: E402

MAX_PROCESSES = 12  # client processes at most (more editors per process beyond that)
EDITORS = "raw"  # which editors (bench/_editors.py); --editors sets it once, before any level runs
TICK = os.sysconf("SC_CLK_TCK")


# --- server processes ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A server process on a free loopback port, with its CPU time and resident memory."""

    def __init__(self, name: str, command: list[str], env: dict, log_dir: str, ready_path: str):
        """`command` may hold "{port}"; the port is also in $PORT (what `flask serve` reads)."""
        self.name, self.port, self.ready_path = name, free_port(), ready_path
        env = {**env, "PORT": str(self.port), "HOST": "127.0.0.1"}
        self.log = open(Path(log_dir) / f"{name}.log", "wb")  # noqa: SIM115 (closed in stop())
        self.proc = subprocess.Popen([part.format(port=self.port) for part in command], cwd=ROOT, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see its log")
            try:
                with urllib.request.urlopen(self.url + self.ready_path, timeout=2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not start")

    def cpu(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Until the server has worked through what an earlier run left queued (< 10% CPU for 0.5 s)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            before = self.cpu()
            time.sleep(0.5)
            if self.cpu() - before < 0.05:
                return

    def rss(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()


# --- one measured run ------------------------------------------------------------------------------------


def _arr(kind: str, raw: bytes) -> array:
    out = array(kind)
    out.frombytes(raw)
    return out


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return math.inf
    return sorted_values[min(len(sorted_values) - 1, max(0, math.ceil(q / 100 * len(sorted_values)) - 1))]


def run_level(server: Server, *, mode: str, doc: int, text: str, tokens: list[str], editors: int, rate: float,
              duration: float, drain: float, label: str, before_go=None, quiet: bool = False) -> dict:
    """N editors at `rate` updates/s on one document for `duration` s; the figures of that run."""
    server.wait_idle()
    ctx = multiprocessing.get_context("spawn")
    workers, pipes = [], []
    processes = min(MAX_PROCESSES, math.ceil(editors / PER_PROCESS[EDITORS]))
    for w in range(processes):
        spec = {"url": server.url, "kind": EDITORS, "mode": mode, "doc": doc, "text": text, "tokens": tokens,
                "rate": rate, "duration": duration, "seed": 1000 * editors + w,
                "editors": list(range(w, editors, processes))}
        mine, theirs = ctx.Pipe()
        process = ctx.Process(target=worker_main, args=(spec, theirs), daemon=True)
        process.start()
        workers.append(process)
        pipes.append(mine)
    joined = time.monotonic()
    try:
        for pipe in pipes:
            if not pipe.poll(180):
                raise RuntimeError(f"{label}: editors did not join within 180 s")
            status, info = pipe.recv()
            if status != "ready":
                raise RuntimeError(f"{label}: {info}")
        join_seconds = time.monotonic() - joined
        extra = before_go() if before_go else {}
        cpu0, start = server.cpu(), time.monotonic() + 0.3
        for pipe in pipes:
            pipe.send(("go", start))
        time.sleep(max(0.0, start + duration - time.monotonic()))
        deadline, complete = time.monotonic() + drain, False
        while True:
            counts = []
            for pipe in pipes:
                pipe.send(("count", None))
                counts.append(pipe.recv())
            sent, acked, got = (sum(c[i] for c in counts) for i in range(3))
            done_sending = all(c[3] for c in counts)
            complete = done_sending and acked == sent and got >= sent * (editors - 1)
            if complete or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        busy = time.monotonic() - start
        cpu = server.cpu() - cpu0
        results = []
        for pipe in pipes:
            pipe.send(("stop", None))
            results.append(pipe.recv())
    finally:
        for process in workers:
            process.join(30)
            if process.is_alive():
                process.kill()
    return summarise(results, editors, duration, cpu, busy, join_seconds, label, extra, quiet)


def summarise(results: list[dict], editors: int, duration: float, cpu: float, busy: float, join_seconds: float,
              label: str, extra: dict, quiet: bool) -> dict:
    sent_at, ack_latency, acked = {}, [], 0
    for r in results:
        for marker, when in zip(_arr("q", r["sent"]), _arr("d", r["sent_at"]), strict=True):
            sent_at[marker] = when
    for r in results:
        for marker, when in zip(_arr("q", r["acked"]), _arr("d", r["acked_at"]), strict=True):
            acked += 1
            ack_latency.append(when - sent_at[marker])
    latencies, seen, duplicates = [], set(), 0
    for r in results:
        for key, when in zip(_arr("q", r["got"]), _arr("d", r["got_at"]), strict=True):
            if key in seen:
                duplicates += 1
                continue
            seen.add(key)
            marker = key // 1000
            if marker in sent_at:
                latencies.append(when - sent_at[marker])
    expected = len(sent_at) * (editors - 1)
    delivered = len(latencies)
    latencies.sort()
    everything = latencies + [math.inf] * max(0, expected - delivered)  # late = infinitely late
    ack_latency.sort()
    figures = {
        "label": label, "editors": editors, "sent": len(sent_at), "expected": expected, "delivered": delivered,
        "delivery": 100.0 * delivered / expected if expected else 100.0, "duplicates": duplicates,
        "p50": 1000 * percentile(everything, 50), "p95": 1000 * percentile(everything, 95),
        "p99": 1000 * percentile(everything, 99), "ack p50": 1000 * percentile(ack_latency, 50),
        "ack p99": 1000 * percentile(ack_latency, 99), "acked/s": acked / duration,
        "refused": sum(r["errors"] for r in results),
        "cpu ms/update": 1000 * cpu / acked if acked else math.nan,  # per update handled (acknowledged)
        "server cpu %": 100 * cpu / busy, "client cpu %": 100 * sum(r["cpu"] for r in results) / busy,
        "join s": join_seconds, **extra,
    }
    if not quiet:
        notes = (f"  refused {figures['refused']}" if figures["refused"] else "") + (
            f"  DUPLICATES {duplicates}" if duplicates else "")
        print(f"  {label:<20} p50 {fmt(figures['p50']):>7}  p95 {fmt(figures['p95']):>7}"
              f"  p99 {fmt(figures['p99']):>7} ms"
              f"  delivered {figures['delivery']:6.2f}%  acked {figures['acked/s']:5.1f}/s"
              f"  ack p99 {fmt(figures['ack p99']):>7} ms  cpu {figures['cpu ms/update']:5.2f} ms/update"
              f" (server {figures['server cpu %']:3.0f}%, clients {figures['client cpu %']:3.0f}%){notes}", flush=True)
    return figures


def fmt(value: float) -> str:
    return "∞" if math.isinf(value) else f"{value:.1f}"


def times(ratio: float) -> str:
    return "∞" if math.isinf(ratio) else f"{ratio:.1f}×"


# --- the wiki's database -----------------------------------------------------------------------------


def database(url: str | None, tmp: str):
    """SQLite in `tmp`, or a throwaway database on the PostgreSQL server at `url`."""
    from tests.throwaway import database_url

    return database_url(url, tmp)


class Wiki:
    """The test process's view of the wiki database: accounts, tokens, documents, a long history."""

    def __init__(self, url: str, instance: str, users: int = 50):
        from wiki import create_app
        from wiki.auth.service import create_user, issue_token
        from wiki.extensions import db
        from wiki.spaces.service import create_space, set_membership

        os.environ["WIKI_INSTANCE_PATH"] = instance
        self.app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None,
                                          "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
        self.db = db
        with self.app.app_context():
            db.create_all()
            self.space = create_space(db.session, "bench", "Bench")
            db.session.commit()
            self.users, self.tokens = [], []
            for n in range(users):
                user = create_user(db.session, f"editor{n}@example.org", f"Editor {n}", "correct horse battery")
                db.session.commit()
                set_membership(db.session, self.space, user.email, "editor")
                self.tokens.append(issue_token(db.session, user, "bench"))
                db.session.commit()
                self.users.append(user.id)
            self.space_id = self.space.id
            db.session.remove()

    def document(self, text: str) -> int:
        from wiki.auth.models import User
        from wiki.documents.service import create_document
        from wiki.spaces.models import Space

        with self.app.app_context():
            session = self.db.session
            doc = create_document(session, session.get(Space, self.space_id), session.get(User, self.users[0]),
                                  f"Strategy {uuid.uuid4().hex[:6]}", text)
            doc_id = doc.id
            session.remove()
        return doc_id

    def with_history(self, text: str, updates: int, seed: int = 7) -> tuple[int, str, float]:
        """A document whose update log holds its text then `updates` typing-sized edits (as a server
        would have stored them). Returns (id, live text, seconds spent generating)."""
        from wiki.realtime import ydoc
        from wiki.realtime.models import DocUpdate

        doc_id, rng, started = self.document(text), random.Random(seed), time.monotonic()
        doc = ydoc.new_doc()
        ydoc.apply_text(doc, text)
        rows, current, cursor, shared = [doc.get_update()], text, len(text) // 2, ydoc.text_of(doc)
        for _ in range(updates):
            if rng.random() < 0.05:
                cursor = rng.randint(0, len(current))  # the writer moves elsewhere
            before = doc.get_state()
            if rng.random() < 0.8 or cursor < 3:
                piece = rng.choice(("a", "e ", "the ", "and", "é", ", ", ".\n"))
                shared.insert(ydoc.byte_offset(current, cursor), piece)
                current, cursor = current[:cursor] + piece + current[cursor:], cursor + len(piece)
            else:
                start, end = ydoc.byte_offset(current, cursor - 2), ydoc.byte_offset(current, cursor)
                del shared[start:end]
                current, cursor = current[:cursor - 2] + current[cursor:], cursor - 2
            rows.append(doc.get_update(before))
        spent = time.monotonic() - started
        with self.app.app_context():
            session = self.db.session
            session.add_all([DocUpdate(document_id=doc_id, seq=seq, data=data, user_id=self.users[0])
                             for seq, data in enumerate(rows, start=1)])
            session.commit()
            session.remove()
        return doc_id, current, spent


# --- the measurements --------------------------------------------------------------------------------


def measure_join_time(wiki: Wiki, server: Server, text: str, updates: int) -> dict:
    from wiki.realtime.client import CollabClient

    doc_id, live, generated = wiki.with_history(text, updates)
    print(f"  history: {updates:,} updates generated in {generated:.1f} s; live text {len(live):,} chars", flush=True)
    times = {}
    for name in ("cold", "warm"):  # cold: this process has never loaded the document
        client = CollabClient(server.url, doc_id, token=wiki.tokens[0], timeout=120)
        started = time.monotonic()
        client.connect()
        times[name] = time.monotonic() - started
        if client.text != live:
            print(f"  !! joined text differs from the history's ({len(client.text)} vs {len(live)} chars)")
        client.disconnect()
    print(f"  join with {updates:,}-update history: cold {times['cold'] * 1000:.0f} ms, "
          f"warm {times['warm'] * 1000:.0f} ms", flush=True)
    return times


def measure_document_memory(wiki: Wiki, server: Server, count: int) -> float:
    """Resident memory per open ~100 KB document: one client opens `count` new documents in turn."""
    from wiki.realtime.client import CollabClient

    texts = [Writer(seed=500 + n).document(100) for n in range(count)]
    docs = [wiki.document(t) for t in texts]
    for _ in range(2):  # first-use costs (imports, caches, a thread) before the baseline
        warm = CollabClient(server.url, wiki.document(Writer(seed=499).document(100)), token=wiki.tokens[1])
        warm.connect()
        warm.disconnect()
    server.wait_idle()
    before = server.rss()
    for doc_id in docs:
        client = CollabClient(server.url, doc_id, token=wiki.tokens[1], timeout=60)
        client.connect()
        client.disconnect()
    server.wait_idle()
    per_doc = (server.rss() - before) / count
    print(f"  {count} documents of ~100 KB opened: {per_doc / 2**20:.2f} MB each", flush=True)
    return per_doc


def measure_levels(server: Server, mode: str, levels: list[tuple[int, float]], make_doc, text: str, tokens,
                   duration: float, drain: float) -> dict:
    figures = {}
    for editors, rate in levels:
        label = f"{mode} {editors} × {rate:g}/s"
        figures[(editors, rate)] = run_level(server, mode=mode, doc=make_doc(), text=text, tokens=tokens,
                                             editors=editors, rate=rate, duration=duration, drain=drain, label=label)
    return figures


def measure_client_memory(server: Server, make_doc, text: str, tokens, editors: int) -> float:
    """Resident memory per connected, joined editor (the document already open)."""
    doc, state = make_doc(), {}

    def before_go():
        state["after"] = server.rss()
        return {}

    run_level(server, mode="wiki", doc=doc, text=text, tokens=tokens, editors=1, rate=1, duration=0.1, drain=0.5,
              label="open the document", quiet=True)
    state["before"] = server.rss()
    run_level(server, mode="wiki", doc=doc, text=text, tokens=tokens, editors=editors, rate=0.5, duration=0.1,
              drain=1, label=f"{editors} editors join", before_go=before_go, quiet=True)
    per_client = (state["after"] - state["before"]) / editors
    print(f"  {editors} editors joined one open document: {per_client / 2**20:.2f} MB each", flush=True)
    return per_client


def where_p95_passes(figures: dict, ramp_figures: dict) -> str:
    """The first editor count (at 2 updates/s) whose p95 is over 2 s, and the last one under."""
    runs = sorted([(k[0], f) for k, f in figures.items() if k[1] == 2] + list(ramp_figures.items()))
    last = None
    for editors, f in runs:
        if f["p95"] > 2000:
            return f"{editors}" + (f" (p95 ≤ 2 s at {last})" if last else "")
        last = editors
    return f"> {last} (not reached)"


def ramp(server: Server, make_doc, text: str, tokens, figures: dict, levels: list[int], duration: float,
         drain: float, budget: float) -> dict:
    """More editors (2 updates/s each) until p95 passes 2 s, within `levels` and `budget` seconds.

    Above the measured levels when they all stayed under 2 s; otherwise between the last level under
    and the first over (so the answer is not just "somewhere below 50")."""
    at_two = sorted((k[0], f["p95"]) for k, f in figures.items() if k[1] == 2)
    over = [n for n, p95 in at_two if p95 > 2000]
    if over:
        under = [n for n, p95 in at_two if p95 <= 2000 and n < over[0]]
        low, high = (under[-1] if under else 1), over[0]
        levels = sorted({round(low + (high - low) * f) for f in (0.33, 0.67)} - {low, high})
    results, started = {}, time.monotonic()
    for editors in levels:
        if time.monotonic() - started > budget:
            print(f"  (ramp stopped: {budget:.0f} s budget spent)")
            break
        results[editors] = f = run_level(server, mode="wiki", doc=make_doc(), text=text, tokens=tokens,
                                         editors=editors, rate=2, duration=duration, drain=drain,
                                         label=f"ramp {editors} × 2/s")
        if f["p95"] > 2000 and not over:
            break
    return results


# --- main --------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="shorter runs, fewer levels (about a minute)")
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: SQLite in a temp dir)")
    parser.add_argument("--editors", choices=sorted(PER_PROCESS), default="raw",
                        help="raw: lean raw-websocket editors, 50 per process, one thread each (default); "
                             "socketio: python-socketio clients, 10 per process (bench/_editors.py)")
    args = parser.parse_args()
    global EDITORS
    EDITORS = args.editors
    quick = args.quick
    duration, drain = (3.0, 3.0) if quick else (8.0, 5.0)
    levels = [(2, 2), (20, 2), (50, 2), (50, 5)] if quick else [(2, 2), (20, 2), (50, 2), (100, 2), (50, 5)]
    relay_levels = [(50, 2)] if quick else levels
    ramp_levels = [200, 400] if quick else [150, 200, 300, 400]
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} CPUs; "
          f"{'quick' if quick else 'full'} run, {duration:g} s per level, drain ≤ {drain:g} s", flush=True)
    started = time.monotonic()
    text = Writer(seed=2024).document(100)

    with tempfile.TemporaryDirectory() as tmp, database(args.database_url, tmp) as url:
        wiki = Wiki(url, f"{tmp}/instance")
        env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
        env.update(WIKI_CONFIG="production", SECRET_KEY=secrets.token_hex(32), DATABASE_URL=url,
                   WIKI_INSTANCE_PATH=f"{tmp}/instance", WIKI_SOCKETIO_CHANNEL=f"bench-{uuid.uuid4()}",
                   PYTHONUNBUFFERED="1")
        server = Server("wiki", [sys.executable, "-m", "flask", "--app", "wiki", "serve"], env, tmp,
                        "/api/v1/openapi.json")
        relay = Server("relay", [sys.executable, str(ROOT / "bench" / "_relay.py"), "{port}"], env, tmp,
                       "/socket.io/?EIO=4&transport=polling")
        try:
            server.wait_ready()
            relay.wait_ready()
            print(f"servers up in {time.monotonic() - started:.1f} s ({'PostgreSQL' if args.database_url else 'SQLite'}"
                  f"); wiki server RSS {server.rss() / 2**20:.0f} MB", flush=True)

            def make_doc() -> int:
                return wiki.document(text)

            print("\nmemory and join time (first, while the server's heap is fresh):", flush=True)
            per_doc = measure_document_memory(wiki, server, 5 if quick else 10)
            per_client = measure_client_memory(server, make_doc, text, wiki.tokens, 50 if quick else 100)
            join = measure_join_time(wiki, server, text, 10_000)
            print("\nwiki server (access checks, commit and CRDT for every update):", flush=True)
            wiki_figures = measure_levels(server, "wiki", levels, make_doc, text, wiki.tokens, duration, drain)
            print("\nbare relay (baseline):", flush=True)
            relay_figures = measure_levels(relay, "relay", relay_levels, lambda: 1, text, [], duration, drain)
            print("\nramp (2 updates/s each) to where p95 passes 2 s:", flush=True)
            ramp_figures = ramp(server, make_doc, text, wiki.tokens, wiki_figures, ramp_levels,
                                duration=min(duration, 6.0), drain=drain, budget=30 if quick else 100)
        finally:
            server.stop()
            relay.stop()
            with wiki.app.app_context():
                wiki.db.engine.dispose()
            for name in ("wiki", "relay"):
                print_errors(name, Path(tmp) / f"{name}.log")

    where = where_p95_passes(wiki_figures, ramp_figures)
    print_table(wiki_figures, relay_figures, where, ramp_figures, per_client, per_doc, join)
    print(f"\ntotal {time.monotonic() - started:.0f} s; load average now {os.getloadavg()[0]:.1f}")


def print_errors(name: str, log: Path) -> None:
    """Exceptions the server logged (each kind once, with a count): overload shows up here."""
    errors: dict[str, int] = {}
    for line in log.read_text(errors="replace").splitlines():
        if re.match(r"^[\w.]+(Error|Exception|Timeout)\b", line):
            errors[line[:160]] = errors.get(line[:160], 0) + 1
    if errors:
        print(f"\n{name} server logged {sum(errors.values())} exceptions:")
        for line, count in sorted(errors.items(), key=lambda item: -item[1]):
            print(f"  {count:5d} × {line}")


def print_table(wiki_figures, relay_figures, where, ramp_figures, per_client, per_doc, join) -> None:
    print(f"\n{'level':<16} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'delivered':>10} {'acked/s':>8} "
          f"{'ack p99':>8} {'cpu ms/upd':>10} {'relay p99':>9} {'p99 ratio':>9}")
    rows = sorted(wiki_figures.items()) + sorted((("ramp", k), v) for k, v in ramp_figures.items())
    for key, f in rows:
        r = relay_figures.get(key)
        ratio = f["p99"] / r["p99"] if r and r["p99"] > 0 else math.nan
        name = f"{f['editors']} × {key[1]:g}/s" if key[0] != "ramp" else f"{f['editors']} × 2/s (ramp)"
        print(f"{name:<16} {fmt(f['p50']):>8} {fmt(f['p95']):>8} {fmt(f['p99']):>8} {f['delivery']:9.2f}% "
              f"{f['acked/s']:8.1f} {fmt(f['ack p99']):>8} {f['cpu ms/update']:10.2f} "
              f"{fmt(r['p99']) if r else '':>9} {'' if math.isnan(ratio) else times(ratio):>9}")
    for key, r in sorted(relay_figures.items()):
        print(f"{'relay ' + str(key[0]) + ' × ' + format(key[1], 'g') + '/s':<16} {fmt(r['p50']):>8} "
              f"{fmt(r['p95']):>8} {fmt(r['p99']):>8} {r['delivery']:9.2f}% {r['acked/s']:8.1f} "
              f"{fmt(r['ack p99']):>8} {r['cpu ms/update']:10.2f}")

    target, base = wiki_figures.get((50, 2)), relay_figures.get((50, 2))
    ratio = target["p99"] / base["p99"] if base and base["p99"] > 0 else math.inf
    peak = max(f["acked/s"] for f in [*wiki_figures.values(), *ramp_figures.values()])
    aims = [
        ("p99 at 50 editors × 2/s", f"{fmt(target['p99'])} ms", "≤ 30 ms", target["p99"] <= 30),
        ("delivery at 50 editors × 2/s", f"{target['delivery']:.2f} %", "100 %", target["delivery"] == 100),
        ("p99 ratio to the bare relay, 50 × 2/s", times(ratio), "≤ 3×", ratio <= 3),
        ("editor count where p95 passes 2 s", where, "reported", None),
        ("acknowledged updates/s (peak)", f"{peak:.0f}/s", "reported", None),
        ("server CPU per update, 50 × 2/s", f"{target['cpu ms/update']:.2f} ms", "reported", None),
        ("relay CPU per update, 50 × 2/s", f"{base['cpu ms/update']:.2f} ms" if base else "-", "reported", None),
        ("server CPU per update, wiki ÷ relay", times(target["cpu ms/update"] / base["cpu ms/update"])
         if base else "-", "reported", None),
        ("memory per connected editor", f"{per_client / 2**20:.2f} MB", "≤ 2 MB", per_client <= 2 * 2**20),
        ("memory per open 100 KB document", f"{per_doc / 2**20:.2f} MB", "reported", None),
        ("join, 10,000-update history, cold", f"{join['cold'] * 1000:.0f} ms", "reported", None),
        ("join, 10,000-update history, warm", f"{join['warm'] * 1000:.0f} ms", "reported", None),
    ]
    print(f"\n{'figure':<40} {'measured':>26}   {'aim':<9} result")
    for name, measured, aim, ok in aims:
        verdict = "" if ok is None else ("PASS" if ok else "MISS")
        print(f"{name:<40} {measured:>26}   {aim:<9} {verdict}")
    judged = [a for a in aims if a[3] is not None]
    print(f"{sum(bool(a[3]) for a in judged)}/{len(judged)} aims met")


if __name__ == "__main__":
    main()
