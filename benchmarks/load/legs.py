#!/usr/bin/env python3
"""Splits a proxy's added latency into its two legs, from a loopback capture of streams through it.

For each stream: the client's request into the proxy (FRONT_PORT), the proxy's request out to the upstream
(UPSTREAM_PORT), the upstream's first answer packet, the proxy's first answer packet to the client. A stream is matched
across both hops by the completion id in its first event (`chatcmpl-sim-…`, the simulated vendor's, passed through), so
this works for the gateway and for nginx alike. Times are the capture's, so in-process scheduling is inside the legs.

Usage (the stream load running through the gateway on 9103, the vendor on 9101):
  timeout 3 tcpdump -i lo -nn -tt -s 700 -w /tmp/cap.pcap 'tcp port 9103 or tcp port 9101'
  tcpdump -r /tmp/cap.pcap -tt -nn -A | benchmarks/load/legs.py 9103 9101
Prints p50 / p90 / p99 in ms of: request leg (request in → request out), upstream (request out → first answer packet
in), response leg (first answer packet in → first answer packet out), and the whole as the client's side of the capture
saw it.
"""
import re
import sys

from latency import percentile

HEADER = re.compile(r'^(\d+\.\d+) IP \d+\.\d+\.\d+\.\d+\.(\d+) > \d+\.\d+\.\d+\.\d+\.(\d+): .* length (\d+)')
COMPLETION_ID = re.compile(r'chatcmpl-sim-[0-9a-f]{32}')


def packets(lines):
    """(time, source port, destination port, payload text) of every packet that carries data."""
    current = None
    for line in lines:
        header = HEADER.match(line)
        if header:
            if current:
                yield current
            time, source, destination, length = header.groups()
            current = (float(time), source, destination, []) if int(length) > 0 else None
        elif current is not None:
            current[3].append(line)
    if current:
        yield current


def exchanges(lines, ports):
    """Per server port: completion id → (last request packet, first answer packet) of that exchange."""
    requested = {}
    found = {port: {} for port in ports}
    for time, source, destination, payload in packets(lines):
        if destination in ports:
            requested[(destination, source)] = time
        elif source in ports and (source, destination) in requested:
            request = requested.pop((source, destination))
            completion = COMPLETION_ID.search(''.join(payload))
            if completion:
                found[source][completion.group(0)] = (request, time)
    return found


def main():
    front, upstream = sys.argv[1], sys.argv[2]
    found = exchanges(sys.stdin, (front, upstream))
    legs = {'request leg': [], 'upstream': [], 'response leg': [], 'whole': []}
    for completion, (request_in, answer_out) in found[front].items():
        if completion not in found[upstream]:
            continue
        request_out, answer_in = found[upstream][completion]
        legs['request leg'].append(request_out - request_in)
        legs['upstream'].append(answer_in - request_out)
        legs['response leg'].append(answer_out - answer_in)
        legs['whole'].append(answer_out - request_in)
    print('streams matched: %d' % len(legs['whole']))
    for name, values in legs.items():
        if values:
            ms = sorted(value * 1000 for value in values)
            print('%-13s p50 %.3f p90 %.3f p99 %.3f ms' % (name, percentile(ms, .5), percentile(ms, .9), percentile(ms, .99)))


if __name__ == '__main__':
    main()
