#!/usr/bin/env python3
"""Summarises an `h2load --log-file` of a non-stream run, over the whole run and over its steady part.

Each line of the log is one request: its start (microseconds since the epoch), its HTTP status and the microseconds
until the end of its response. A run opens all its connections at once, so the first call of every connection is sent
in the same instant and they queue behind each other; "steady" leaves out the calls started in the run's first
STEADY_AFTER seconds, and so measures the load on connections that are already open.

Usage: h2load-latency.py LOG SECONDS STEADY_AFTER
Prints one line: RESULT rps=... p50=... p90=... p99=... steady_p50=... steady_p99=... errors=... (ms).
"""
import sys

from latency import percentile


def main():
    log, seconds, steady_after = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    calls, errors = [], 0
    with open(log) as lines:
        for line in lines:
            start, status, duration = line.split("\t")[:3]
            if not status.startswith("2"):
                errors += 1
                continue
            calls.append((int(start), int(duration) / 1000))
    first = min((start for start, _ in calls), default=0)
    whole = sorted(duration for _, duration in calls)
    steady = sorted(duration for start, duration in calls if start - first >= steady_after * 1e6)
    print("RESULT rps=%.1f p50=%.3f p90=%.3f p99=%.3f steady_p50=%.3f steady_p99=%.3f errors=%d" % (
        len(whole) / seconds, percentile(whole, 0.5), percentile(whole, 0.9), percentile(whole, 0.99),
        percentile(steady, 0.5), percentile(steady, 0.99), errors))


if __name__ == "__main__":
    main()
