#!/usr/bin/env python3
"""Crash consistency: concurrent writes, `kill -9` at a random moment, restart, check.

    scripts/crash_test.py --binary target/debug/campus --backend sqlite|postgres [--rounds 10]

Writers (threads, one HTTP connection each): payments with an Idempotency-Key, KV
compare-and-swap writes (If-Match), bulk attendance for a class, and a roster import commit.
After each kill and restart it checks that every write whose response the client received
is there exactly once, that retrying an acknowledged Idempotency-Key returns the stored
response, that no payment appears twice, that an import is all or nothing, that
`campus finance verify` passes and, on SQLite, that `PRAGMA integrity_check` says ok.
Loopback only; standard library only. Exit status 1 on any loss or duplicate.
"""

import argparse
import http.client
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid

PASSWORD = "Crash-Test-Pass-1!"


class Server:
    def __init__(self, binary, data_dir, env):
        self.binary, self.data_dir, self.env = binary, data_dir, env
        self.port = free_port()
        self.proc = None

    def cli(self, *args, stdin=None, check=True):
        return subprocess.run([self.binary, "--data-dir", self.data_dir, *args], input=stdin, text=True,
                              capture_output=True, env=self.env, check=check, timeout=120)

    def start(self):
        log = open(os.path.join(self.data_dir, "server.log"), "a")
        self.proc = subprocess.Popen([self.binary, "--data-dir", self.data_dir, "serve", "--port", str(self.port)],
                                     stdout=log, stderr=log, env=self.env)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if request(self.port, "GET", "/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise SystemExit("the server did not become ready; see server.log in " + self.data_dir)

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, body=None, token=None, headers=None, raw=None, timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    data = raw
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=h)
        res = conn.getresponse()
        text = res.read()
        payload = json.loads(text) if text and res.getheader("content-type", "").endswith("json") else text
        return res.status, payload, res
    finally:
        conn.close()


def multipart(field, filename, content):
    boundary = "crash" + uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: text/csv\r\n\r\n{content}\r\n--{boundary}--\r\n").encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


class Ledger:
    """What the clients saw: acknowledged writes, and writes whose outcome is unknown."""

    def __init__(self):
        self.lock = threading.Lock()
        self.payments = {}      # key -> (student_id, body, entry id or None when unacknowledged)
        self.kv = {}            # key -> (version, value) last acknowledged
        self.attendance = []    # (date, student_ids, status) acknowledged
        self.imports = {}       # prefix -> rows, acknowledged or not (None)
        self.acked = 0
        self.sent = 0


def payer(port, token, students, ledger, stop):
    while not stop.is_set():
        key = uuid.uuid4().hex
        sid = random.choice(students)
        body = {"amount": "1.00", "method": "CASH", "reference": "crash-" + key}
        with ledger.lock:
            ledger.payments[key] = (sid, body, None)
            ledger.sent += 1
        try:
            status, payload, _ = request(port, "POST", f"/api/v1/students/{sid}/payments", body, token,
                                         {"Idempotency-Key": key})
        except OSError:
            continue
        if status == 201:
            with ledger.lock:
                ledger.payments[key] = (sid, body, payload["entry"]["id"])
                ledger.acked += 1
        elif status >= 500 and not stop.is_set():
            print(f"payment answered {status}: {payload}", file=sys.stderr)


def kv_writer(port, token, name, ledger, stop):
    while not stop.is_set():
        with ledger.lock:
            version, _ = ledger.kv.get(name, (0, None))
        value = uuid.uuid4().hex
        headers = {"If-Match": f'"{version}"'} if version else {"If-None-Match": "*"}
        with ledger.lock:
            ledger.sent += 1
        try:
            status, payload, _ = request(port, "PUT", f"/api/v1/kv/{name}", {"value": value}, token, headers)
        except OSError:
            continue
        if status in (200, 201):
            with ledger.lock:
                ledger.kv[name] = (payload["version"], value)
                ledger.acked += 1
        elif status == 412:  # an unacknowledged write landed before the crash: read it back
            try:
                status, payload, _ = request(port, "GET", f"/api/v1/kv/{name}", token=token)
            except OSError:
                continue
            if status == 200:
                with ledger.lock:
                    ledger.kv[name] = (payload["version"], payload["value"])


def marker(port, token, students, ledger, stop, day):
    while not stop.is_set():
        day[0] += 1
        date = time.strftime("%Y-%m-%d", time.gmtime(1_700_000_000 + day[0] * 86400))
        status_text = random.choice(["Present", "Absent", "Late"])
        body = {"date": date, "marks": [{"student_id": s, "status": status_text} for s in students]}
        with ledger.lock:
            ledger.sent += 1
        try:
            status, _, _ = request(port, "POST", "/api/v1/attendance/bulk", body, token)
        except OSError:
            continue
        if status in (200, 201):
            with ledger.lock:
                ledger.attendance.append((date, list(students), status_text))
                ledger.acked += 1


def importer(port, token, ledger, stop):
    while not stop.is_set():
        prefix = "X" + uuid.uuid4().hex[:8]
        rows = 40
        csv = "roll_number,name,class_level\n" + "".join(f"{prefix}-{i},{prefix} {i},3\n" for i in range(rows))
        raw, headers = multipart("file", "roster.csv", csv)
        with ledger.lock:
            ledger.imports[prefix] = None
            ledger.sent += 1
        try:
            status, payload, _ = request(port, "POST", "/api/v1/imports/students?commit=true", token=token,
                                         headers=headers, raw=raw, timeout=30)
        except OSError:
            continue
        if status == 200:
            with ledger.lock:
                ledger.imports[prefix] = rows
                ledger.acked += 1


def ledger_entries(port, token, students, prefix):
    """Idempotency key -> ledger entry ids, from the entries whose reference is prefix + key."""
    entries = {}
    for sid in students:
        cursor = None
        while True:
            path = f"/api/v1/students/{sid}/ledger?limit=200" + (f"&cursor={cursor}" if cursor else "")
            status, page, _ = request(port, "GET", path, token=token)
            assert status == 200, page
            for e in page["entries"]:
                ref = e.get("reference") or ""
                if ref.startswith(prefix):
                    entries.setdefault(ref[len(prefix):], []).append(e["id"])
            cursor = page["meta"]["next_cursor"]
            if not cursor:
                break
    return entries


def login(port, who):
    status, payload, _ = request(port, "POST", "/api/v1/auth/login", {"login": who, "password": PASSWORD})
    assert status == 200, payload
    return payload["access_token"]


def check(server, token, ledger, students, backend, data_dir):
    port, problems = server.port, []
    # Payments: each acknowledged key once in the ledger; a retry returns the stored entry.
    entries = ledger_entries(port, token, students, "crash-")
    for key, ids in entries.items():
        if len(ids) > 1:
            problems.append(f"payment {key} is in the ledger {len(ids)} times")
    for key, (sid, body, entry_id) in list(ledger.payments.items()):
        if entry_id is None:
            continue
        if entries.get(key) != [entry_id]:
            problems.append(f"acknowledged payment {key} (entry {entry_id}) is in the ledger as {entries.get(key)}")
    retried = [k for k, v in ledger.payments.items() if v[2] is not None]
    for key in random.sample(retried, min(20, len(retried))):
        sid, body, entry_id = ledger.payments[key]
        status, payload, _ = request(port, "POST", f"/api/v1/students/{sid}/payments", body, token,
                                     {"Idempotency-Key": key})
        if status != 201 or payload["entry"]["id"] != entry_id:
            problems.append(f"retrying acknowledged key {key} answered {status} {payload}")
    # KV: the acknowledged version or a later one (an unacknowledged write may have landed).
    for name, (version, value) in ledger.kv.items():
        status, payload, _ = request(port, "GET", f"/api/v1/kv/{name}", token=token)
        if status != 200 or payload["version"] < version or (payload["version"] == version and payload["value"] != value):
            problems.append(f"kv {name}: acknowledged v{version}, found {status} {payload}")
    # Attendance: every acknowledged mark is there (a later mark for the same day may replace it).
    for date, sids, status_text in ledger.attendance[-30:]:
        for sid in sids[:3]:
            status, payload, _ = request(port, "GET", f"/api/v1/students/{sid}/attendance?from={date}&to={date}",
                                         token=token)
            if status != 200 or not payload["records"]:
                problems.append(f"acknowledged attendance of student {sid} on {date} is missing")
    # Imports: all rows or none; acknowledged ones all.
    for prefix, rows in ledger.imports.items():
        status, payload, _ = request(port, "GET", f"/api/v1/students?name={prefix}&limit=100", token=token)
        found = len(payload["students"]) if status == 200 else -1
        if found not in (0, 40) or (rows is not None and found != rows):
            problems.append(f"import {prefix}: {found} of 40 rows (acknowledged: {rows is not None})")
    verify = server.cli("finance", "verify", check=False)
    if verify.returncode != 0:
        problems.append("campus finance verify failed: " + verify.stdout + verify.stderr)
    if backend == "sqlite":
        db = sqlite3.connect(f"file:{os.path.join(data_dir, 'campus.db')}?mode=ro", uri=True)
        result = db.execute("PRAGMA integrity_check").fetchone()[0]
        db.close()
        if result != "ok":
            problems.append("PRAGMA integrity_check: " + result)
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--backend", choices=["sqlite", "postgres"], required=True)
    ap.add_argument("--database-url")
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    data_dir = tempfile.mkdtemp(prefix="campus-crash-")
    env = dict(os.environ, CAMPUS_LOG__FILTER="warn")
    for k in ("LOGIN_PER_IP_PER_MINUTE", "LOGIN_PER_ACCOUNT_PER_MINUTE"):
        env["CAMPUS_AUTH__RATE_LIMITS__" + k] = "100000"
    if args.backend == "postgres":
        env["CAMPUS_DATABASE__URL"] = args.database_url
        env["CAMPUS_AUTH__JWT_SECRET"] = "crash-test-signing-secret-0123456789abcdef"
    server = Server(args.binary, data_dir, env)
    server.cli("migrate", "up")
    server.cli("user", "create", "--role", "admin", "--username", "crashadmin", "--password-stdin", stdin=PASSWORD + "\n")
    server.start()
    token = login(server.port, "crashadmin")
    code = "CR" + uuid.uuid4().hex[:6]
    status, course, _ = request(server.port, "POST", "/api/v1/courses",
                                {"code": code, "name": "Crash course", "credits": 3, "fee": "1000000"}, token)
    assert status == 201, course
    students = []
    for i in range(6):
        status, s, _ = request(server.port, "POST", "/api/v1/students",
                               {"roll_number": f"{code}-{i}", "name": f"Crash Student {i}", "class_level": 3}, token)
        assert status == 201, s
        students.append(s["id"])
        status, e, _ = request(server.port, "POST", "/api/v1/enrollments", {"student_id": s["id"], "course_id": course["id"]}, token)
        assert status == 201, e
    ledger, day, failures = Ledger(), [0], 0
    started = time.time()
    for round_no in range(1, args.rounds + 1):
        stop = threading.Event()
        workers = [threading.Thread(target=payer, args=(server.port, token, students, ledger, stop)) for _ in range(4)]
        workers += [threading.Thread(target=kv_writer, args=(server.port, token, f"crash-{n}", ledger, stop)) for n in range(2)]
        workers.append(threading.Thread(target=marker, args=(server.port, token, students, ledger, stop, day)))
        workers.append(threading.Thread(target=importer, args=(server.port, token, ledger, stop)))
        for w in workers:
            w.start()
        time.sleep(random.uniform(0.5, 2.5))
        server.kill9()
        stop.set()
        for w in workers:
            w.join()
        server.start()
        token = login(server.port, "crashadmin")
        problems = check(server, token, ledger, students, args.backend, data_dir)
        failures += len(problems)
        print(f"round {round_no:2}: {ledger.sent} writes sent, {ledger.acked} acknowledged, "
              f"{len(problems)} problems", flush=True)
        for p in problems:
            print("  " + p, flush=True)
    server.kill9()
    acked_payments = sum(1 for v in ledger.payments.values() if v[2] is not None)
    print(f"{args.backend}: {args.rounds} kills in {time.time() - started:.0f}s; {ledger.sent} writes sent, "
          f"{ledger.acked} acknowledged ({acked_payments} payments); lost or duplicated: {failures}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
