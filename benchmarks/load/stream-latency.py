#!/usr/bin/env python3
"""Summarises `hey -o csv` output of a streaming run: time to first byte and whole-stream time per request.

hey's per-request "Response-delay" runs from the request written to the first response byte; the simulated vendor
sends its headers together with its first event, after the first-token delay, and the gateway commits its response
on the first event, so on every target that first byte is the first token (TTFT). "response-time" is the whole
request, body read to the end.

Usage: hey ... -o csv URL | stream-latency.py SECONDS
Prints one line: RESULT rps=... ttft_p50=... ttft_p90=... ttft_p99=... p50=... p90=... p99=... errors=... (ms).
"""
import csv
import sys

from latency import percentile


def main():
    seconds = float(sys.argv[1])
    ttft, whole, errors = [], [], 0
    for row in csv.DictReader(sys.stdin):
        if row.get("status-code") != "200":
            errors += 1
            continue
        ttft.append(float(row["Response-delay"]) * 1000)
        whole.append(float(row["response-time"]) * 1000)
    ttft.sort()
    whole.sort()
    print("RESULT rps=%.1f ttft_p50=%.3f ttft_p90=%.3f ttft_p99=%.3f p50=%.3f p90=%.3f p99=%.3f errors=%d" % (
        len(whole) / seconds,
        percentile(ttft, 0.5), percentile(ttft, 0.9), percentile(ttft, 0.99),
        percentile(whole, 0.5), percentile(whole, 0.9), percentile(whole, 0.99), errors))


if __name__ == "__main__":
    main()
