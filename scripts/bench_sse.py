#!/usr/bin/env python3
"""Event-stream benchmark against one instance (called by scripts/bench-cluster.sh).

    scripts/bench_sse.py --port P --pid PID --token T --user-id N --staff-token S [--idle 2000] [--fanout 500]

1. Opens IDLE streams (GET /api/v1/events) and reports the instance's RSS growth per stream.
2. Keeps FANOUT of them, sends ROUNDS notifications to their user and reports the latency from
   the POST to each stream's receipt (p50, p99, max) across all streams and rounds.
Standard library only: one thread, non-blocking sockets, a selector.
"""

import argparse
import http.client
import json
import selectors
import socket
import time


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def open_stream(port, token):
    s = socket.create_connection(("127.0.0.1", port), 5)
    s.sendall((f"GET /api/v1/events HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\n"
               "Accept: text/event-stream\r\n\r\n").encode())
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--user-id", type=int, required=True)
    ap.add_argument("--staff-token", required=True)
    ap.add_argument("--idle", type=int, default=2000)
    ap.add_argument("--fanout", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()

    sel = selectors.DefaultSelector()
    before = rss_kib(args.pid)
    streams = []
    for _ in range(args.idle):
        s = open_stream(args.port, args.token)
        streams.append(s)
    # Wait for every stream's response head.
    pending = set(streams)
    deadline = time.time() + 60
    for s in streams:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    while pending and time.time() < deadline:
        for key, _ in sel.select(1):
            data = key.fileobj.recv(65536)
            if b"200 OK" in data:
                pending.discard(key.fileobj)
    time.sleep(1)
    after = rss_kib(args.pid)
    opened = len(streams) - len(pending)
    print(f"{opened} idle streams: RSS {before // 1024} -> {after // 1024} MiB, "
          f"{(after - before) / max(opened, 1):.1f} KiB per stream")

    for s in streams[args.fanout:]:
        sel.unregister(s)
        s.close()
    streams = streams[:args.fanout]
    time.sleep(1)
    latencies = []
    for round_no in range(args.rounds):
        waiting = set(streams)
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=10)
        body = json.dumps({"user_id": args.user_id, "message": f"fan-out {round_no}"})
        sent = time.time()
        conn.request("POST", "/api/v1/notifications", body=body,
                     headers={"Authorization": "Bearer " + args.staff_token, "Content-Type": "application/json"})
        res = conn.getresponse()
        res.read()
        assert res.status < 300, res.status
        deadline = time.time() + 10
        while waiting and time.time() < deadline:
            for key, _ in sel.select(1):
                data = key.fileobj.recv(65536)
                if b"event: notification" in data and key.fileobj in waiting:
                    latencies.append(time.time() - sent)
                    waiting.discard(key.fileobj)
        if waiting:
            print(f"round {round_no}: {len(waiting)} streams did not receive the notification")
        time.sleep(0.2)
    latencies.sort()
    n = len(latencies)
    if n:
        print(f"fan-out to {len(streams)} streams x {args.rounds} notifications: {n} deliveries; "
              f"p50 {latencies[n // 2] * 1000:.1f} ms, p99 {latencies[min(n - 1, int(n * 0.99))] * 1000:.1f} ms, "
              f"max {latencies[-1] * 1000:.1f} ms")
    for s in streams:
        s.close()


if __name__ == "__main__":
    main()
