#!/usr/bin/env python3
"""Open-stream memory: many streaming chat requests held open through the gateway at once.

Opens N streaming chat requests through the gateway and waits until every one has delivered its first bytes, then
samples the gateway's resident memory while they all stay open.
- default (stalled): after the first bytes the clients stop reading while the vendor keeps producing; with
  backpressure the gateway's memory stays flat (each stream's buffers are bounded), without it it would grow with
  whatever the vendor sends.
- --keep-reading: the clients read every event as it arrives; with a slow vendor (a token delay on the alias's
  channel) this is N live, slowly streaming requests, which gives the memory each open stream costs.

Usage: slow-consumers.py [--keep-reading] [--auth KEY] GATEWAY_PID HOST PORT MODEL STREAMS SECONDS
Prints one JSON object: streams, started, the RSS before, once all were open, at the end and its peak over the
sampling, and the MB per open stream ((peak - before) / streams).
"""
import argparse
import json
import selectors
import socket
import time


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep-reading", action="store_true")
    parser.add_argument("--auth", default="")
    parser.add_argument("pid")
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("model")
    parser.add_argument("count", type=int, metavar="STREAMS")
    parser.add_argument("duration", type=int, metavar="SECONDS")
    args = parser.parse_args()
    body = json.dumps({"model": args.model, "stream": True, "messages": [{"role": "user", "content": "stream to me"}]}).encode()
    auth = f"Authorization: Bearer {args.auth}\r\n" if args.auth else ""
    request = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: {args.host}\r\nContent-Type: application/json\r\n{auth}"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    baseline = rss_mb(args.pid)
    selector = selectors.DefaultSelector()
    sockets = []
    for _ in range(args.count):
        s = socket.create_connection((args.host, args.port))
        if not args.keep_reading:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(request)
        s.setblocking(False)
        selector.register(s, selectors.EVENT_READ, {"started": False})
        sockets.append(s)

    started, deadline = 0, time.time() + 60
    while started < args.count and time.time() < deadline:
        for key, _ in selector.select(timeout=1):
            if not key.data["started"] and _read(key.fileobj):
                key.data["started"] = True
                started += 1
                if not args.keep_reading:
                    selector.unregister(key.fileobj)
    all_open = rss_mb(args.pid)

    samples, t0, next_sample = [], time.time(), 0.0
    while time.time() - t0 < args.duration:
        elapsed = time.time() - t0
        if elapsed >= next_sample:
            samples.append((round(elapsed, 1), round(rss_mb(args.pid), 1)))
            next_sample += 2
        if args.keep_reading:
            for key, _ in selector.select(timeout=0.2):
                _read(key.fileobj)
        else:
            time.sleep(0.2)
    for s in sockets:
        s.close()
    peak = max([all_open] + [rss for _, rss in samples])
    print(json.dumps({
        "streams": args.count, "started": started, "keep_reading": args.keep_reading,
        "baseline_rss_mb": round(baseline, 1), "all_open_rss_mb": round(all_open, 1),
        "end_rss_mb": samples[-1][1] if samples else round(all_open, 1), "peak_rss_mb": round(peak, 1),
        "mb_per_stream": round((peak - baseline) / args.count, 3), "samples": samples}))


def _read(sock):
    try:
        return len(sock.recv(65536)) > 0
    except BlockingIOError:
        return False


if __name__ == "__main__":
    main()
