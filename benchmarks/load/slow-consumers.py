#!/usr/bin/env python3
"""Slow-consumer and open-stream memory proof.

Opens N streaming chat requests through the gateway, reads the first bytes of each, then stops reading while the
vendor keeps producing. Samples the gateway's resident memory while the streams stay open: with backpressure it
stays flat (each stream's buffers are bounded), without it it would grow with whatever the vendor sends.

Usage: slow-consumers.py GATEWAY_PID HOST PORT MODEL STREAMS SECONDS
"""
import json
import socket
import sys
import time


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main():
    pid, host, port, model, streams, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
    body = json.dumps({"model": model, "stream": True, "messages": [{"role": "user", "content": "flood me"}]}).encode()
    request = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    baseline = rss_mb(pid)
    sockets = []
    for _ in range(streams):
        s = socket.create_connection((host, port))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(request)
        sockets.append(s)
    started = 0
    for s in sockets:
        s.settimeout(30)
        if s.recv(2048):
            started += 1
    samples = []
    t0 = time.time()
    while time.time() - t0 < seconds:
        samples.append((round(time.time() - t0, 1), round(rss_mb(pid), 1)))
        time.sleep(2)
    for s in sockets:
        s.close()
    print(json.dumps({"streams": streams, "started": started, "baseline_rss_mb": round(baseline, 1), "samples": samples}))


if __name__ == "__main__":
    main()
