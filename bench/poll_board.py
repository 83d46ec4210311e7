"""Benchmark: 60 phones polling a live workshop board.

Starts the app in a separate process (werkzeug's threaded server; gunicorn is
not installed) on 127.0.0.1 with its own SQLite database in a temporary
folder, creates a live workshop with some notes, then lets N simulated phones
poll the board state endpoint every 3 seconds (with If-None-Match and their
board pass, as static/js/board.js does) while a few other phones post a note
every few seconds. Prints the number of requests, 200s vs 304s, latency
percentiles per poll, errors, and the CPU time the server process used, as %
of one core. Only loopback traffic.

    .venv/bin/python bench/poll_board.py              # 60 phones, 60 seconds
    .venv/bin/python bench/poll_board.py --seconds 20 --phones 60
"""
import argparse
import http.client
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"
SECRET_KEY = "bench-secret-key-not-for-production-" + "x" * 16


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def server_environment(folder: str, port: int) -> dict:
    env = dict(os.environ)
    env.update({
        "APP_ENV": "production",  # no debug; the same request path as in production
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": f"sqlite:///{folder}/bench.db",
        "INSTANCE_PATH": folder,
        "PUBLIC_URL": f"http://{HOST}:{port}",
        "REDIS_URL": "",
        "MAIL_SERVER": "",
    })
    return env


# --- the server process -------------------------------------------------------------

def serve(port: int) -> None:
    """Run in the child process: the app on loopback, threaded, HTTP/1.1 keep-alive."""
    import logging

    from werkzeug.serving import WSGIRequestHandler, make_server

    from participation import create_app

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the app writes its own request log line
    WSGIRequestHandler.protocol_version = "HTTP/1.1"
    app = create_app()
    make_server(HOST, port, app, threaded=True).serve_forever()


# --- preparing the data (in this process, on the same SQLite file) ------------------------

def prepare(folder: str, port: int, phones: int, notes: int) -> dict:
    os.environ.update(server_environment(folder, port))
    from participation import create_app
    from participation.extensions import db
    from participation.programme.models import Initiative, Neighbourhood
    from participation.programme.operations import load_catalogue
    from participation.workshops.models import Note, Participant, Workshop, WorkshopStatus
    from participation.workshops.session import access, operations
    from participation.workshops.session.queries import token_hash
    from participation.core.types import utcnow
    from datetime import timedelta

    app = create_app()
    with app.app_context():
        db.create_all()
        load_catalogue(app.config["CATALOGUE_FILE"])
        db.session.commit()
        starts = utcnow().replace(microsecond=0)
        workshop = Workshop(
            initiative_id=db.session.query(Initiative.id).order_by(Initiative.id).first()[0],
            neighbourhood_id=db.session.query(Neighbourhood.id).order_by(Neighbourhood.id).first()[0],
            title="Benchmark werkplaats", description_markdown="", description_html="",
            starts_at=starts, ends_at=starts + timedelta(hours=2), registration_deadline=starts,
            venue_name="Buurthuis", venue_address="Straat 1", capacity=80, status=WorkshopStatus.PUBLISHED)
        db.session.add(workshop)
        db.session.flush()
        operations.start_session(SimpleNamespace(id=0), workshop)
        pollers = []
        for number in range(phones):
            participant = Participant(workshop_id=workshop.id, name=f"Telefoon {number}", is_walk_in=True,
                                      device_token_hash=token_hash(f"bench-device-{number}"))
            db.session.add(participant)
            pollers.append(participant)
        db.session.flush()
        for number in range(notes):
            db.session.add(Note(workshop_id=workshop.id, participant_id=pollers[number % phones].id,
                                text=f"Een idee voor de buurt, nummer {number}: meer groen en plekken om te zitten.",
                                language="nl"))
        db.session.flush()
        operations.bump_board(workshop)
        db.session.commit()
        with app.test_request_context():
            passes = [access.make_pass(workshop, "phone", access.Viewer(participant=participant), "nl")
                      for participant in pollers]
        info = {"workshop_id": workshop.id, "join_code": workshop.join_code, "passes": passes}
        db.engine.dispose()
    return info


# --- HTTP on loopback --------------------------------------------------------------------------

class Browser:
    """A phone with a cookie jar (only what this benchmark needs)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response.status, text


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    return match.group(1) if match else ""


def join_writer(port: int, code: str, number: int) -> Browser:
    phone = Browser(port)
    _status, page = phone.request("GET", "/join")
    status, _ = phone.request("POST", "/join", {"csrf_token": csrf_from(page), "code": code,
                                                "first_name": f"Schrijver{number}"})
    if status != 302:
        raise RuntimeError(f"a writer could not join (HTTP {status})")
    return phone


def wait_for_server(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server process stopped; see its log")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start in time")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- the load -------------------------------------------------------------------------------

class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[int, list[float]] = {}
        self.statuses = Counter()
        self.errors = Counter()

    def add(self, status: int, seconds: float) -> None:
        with self.lock:
            self.statuses[status] += 1
            self.latencies.setdefault(status, []).append(seconds)

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] += 1


def poller(port: int, path: str, board_pass: str, interval: float, deadline: float, results: Results) -> None:
    time.sleep(min(random.uniform(0, interval), max(0.0, deadline - time.monotonic())))  # not all at once
    etag = None
    connection = http.client.HTTPConnection(HOST, port, timeout=30)  # kept alive, as a browser does
    next_at = time.monotonic()
    while True:
        now = time.monotonic()
        if now >= deadline:
            break
        headers = {"X-Board-Pass": board_pass, "Accept": "application/json"}
        if etag:
            headers["If-None-Match"] = etag
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            if response.status == 200:
                etag = response.getheader("ETag")
            if response.status not in (200, 304):
                results.error(f"HTTP {response.status}")
            results.add(response.status, elapsed)
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=30)
        except (OSError, http.client.HTTPException) as error:
            results.error(type(error).__name__)
            connection.close()
            connection = http.client.HTTPConnection(HOST, port, timeout=30)
        next_at += interval
        time.sleep(max(0.0, min(next_at, deadline) - time.monotonic()))
    connection.close()


def writer(writers: list[Browser], workshop_id: int, every: float, deadline: float, counter: Counter) -> None:
    number = 0
    while time.monotonic() + every < deadline:
        time.sleep(every)
        phone = writers[number % len(writers)]
        try:
            _status, page = phone.request("GET", f"/workshops/{workshop_id}/board")
            status, _ = phone.request("POST", f"/workshops/{workshop_id}/board/notes",
                                      {"csrf_token": csrf_from(page), "text": f"Nieuw idee {number} uit de zaal"})
            counter["notes posted" if status == 302 else f"note refused (HTTP {status})"] += 1
        except (OSError, http.client.HTTPException) as error:
            counter[f"note error {type(error).__name__}"] += 1
        number += 1


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def milliseconds(values: list[float]) -> str:
    return " ".join(f"p{int(share * 100)}={percentile(values, share) * 1000:.1f} ms" for share in (0.5, 0.95, 0.99))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60, help="how long the phones poll (default 60, at most 600)")
    parser.add_argument("--phones", type=int, default=60, help="polling phones (default 60)")
    parser.add_argument("--interval", type=float, default=3, help="seconds between polls per phone (default 3)")
    parser.add_argument("--note-every", type=float, default=4, help="a new note every N seconds (default 4)")
    parser.add_argument("--notes", type=int, default=25, help="notes on the board at the start (default 25)")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # internal: run the server on this port
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return 0
    seconds = max(5.0, min(600.0, args.seconds))

    folder = tempfile.mkdtemp(prefix="poll-board-")
    port = free_port()
    process = None
    try:
        info = prepare(folder, port, args.phones, args.notes)
        log = open(Path(folder) / "server.log", "wb")
        process = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve", str(port)],
                                   env=server_environment(folder, port), cwd=str(ROOT), stdout=log, stderr=log)
        wait_for_server(port, process)
        writers = [join_writer(port, info["join_code"], number) for number in range(4)]

        path = f"/workshops/{info['workshop_id']}/board/state?view=phone"
        results, notes = Results(), Counter()
        cpu_before, wall_before = cpu_seconds(process.pid), time.monotonic()
        deadline = wall_before + seconds
        threads = [threading.Thread(target=poller, args=(port, path, board_pass, args.interval, deadline, results))
                   for board_pass in info["passes"]]
        threads.append(threading.Thread(target=writer, args=(writers, info["workshop_id"], args.note_every,
                                                             deadline, notes)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        cpu_used, wall = cpu_seconds(process.pid) - cpu_before, time.monotonic() - wall_before

        every = [value for values in results.latencies.values() for value in values]
        total = sum(results.statuses.values())
        print(f"poll_board: {args.phones} phones polling every {args.interval:g} s for {wall:.1f} s "
              f"(werkzeug threaded server, SQLite, 127.0.0.1:{port})")
        notes.setdefault("notes posted", 0)
        print(f"  notes on the board at the start: {args.notes}; "
              + ", ".join(f"{kind}: {count}" for kind, count in sorted(notes.items())))
        print(f"  requests: {total} ({total / wall:.1f}/s)")
        print(f"  200 OK: {results.statuses.get(200, 0)}   304 Not Modified: {results.statuses.get(304, 0)}   "
              f"other: {total - results.statuses.get(200, 0) - results.statuses.get(304, 0)}")
        print(f"  latency per poll, all: {milliseconds(every)}")
        for status in (304, 200):
            if results.latencies.get(status):
                print(f"  latency per poll, {status}: {milliseconds(results.latencies[status])}")
        print(f"  errors: {sum(results.errors.values())}"
              + (" (" + ", ".join(f"{k}: {v}" for k, v in results.errors.items()) + ")" if results.errors else ""))
        print(f"  server CPU: {cpu_used:.2f} s in {wall:.1f} s = {100 * cpu_used / wall:.1f} % of one core "
              f"(utime+stime of pid {process.pid}, from /proc)")
        return 0
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
