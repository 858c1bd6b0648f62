#!/usr/bin/env python3
"""Monthly Cloudflare bill for vigil from per-check figures (docs/COST.md).

    python3 bench/cost_model.py --written 6.05 --read 14.1 --queue-ops 3 --cpu-ms 1.5 \
        [--invocation-checks 100] [--label before]

Per-check figures come from `node bench/cost.mjs` (steady state) plus the upkeep a check costs
later in its life (rollups, pruning), which that run is too short to see. Prices: Workers Paid
as published (URLs and the date read in docs/COST.md). Prints a Markdown table for 100 / 1,000 /
10,000 monitors at 1- and 5-minute intervals, without and with status page traffic, and which
plan each fits.
"""
import argparse
import math

MONTH_MIN = 30 * 24 * 60  # a 30-day month, in minutes

# Workers Paid (USD): included per month, then price per million.
BASE = 5.00
REQ_INCLUDED, REQ_PRICE = 10e6, 0.30
CPU_INCLUDED, CPU_PRICE = 30e6, 0.02  # CPU milliseconds
D1_READ_INCLUDED, D1_READ_PRICE = 25e9, 0.001
D1_WRITE_INCLUDED, D1_WRITE_PRICE = 50e6, 1.00
D1_STORAGE_INCLUDED_GB, D1_STORAGE_PRICE = 5.0, 0.75  # per GB-month
QUEUE_INCLUDED, QUEUE_PRICE = 1e6, 0.40
# Workers Free, per day.
FREE_WRITES, FREE_READS, FREE_QUEUE_OPS, FREE_REQUESTS = 100_000, 5_000_000, 10_000, 100_000
FREE_CPU_MS_PER_INVOCATION = 10


def over(used, included, price):
    return max(0.0, used - included) / 1e6 * price


def bill(monitors, interval_min, a, traffic):
    checks = monitors * MONTH_MIN / interval_min
    invocations = MONTH_MIN + math.ceil(checks / a.invocation_checks)  # ticks + consumer batches
    writes, reads = checks * a.written, checks * a.read
    queue_ops, cpu = checks * a.queue_ops, checks * a.cpu_ms
    requests = invocations
    if traffic:
        # One status page: a.views views a month; rebuilt from D1 at most once a minute (the
        # page changes with every 1-minute check; 30 s cache), the rest are cache hits.
        rebuilds = min(a.views, MONTH_MIN)
        reads += rebuilds * a.view_rows
        cpu += rebuilds * a.view_cpu_ms + (a.views - rebuilds) * a.hit_cpu_ms
        requests += a.views
    storage_gb = monitors * (a.raw_mb / interval_min + a.rollup_mb) / 1e3
    parts = {
        "base": BASE,
        "d1_writes": over(writes, D1_WRITE_INCLUDED, D1_WRITE_PRICE),
        "d1_reads": over(reads, D1_READ_INCLUDED, D1_READ_PRICE),
        "d1_storage": max(0.0, storage_gb - D1_STORAGE_INCLUDED_GB) * D1_STORAGE_PRICE,
        "queues": over(queue_ops, QUEUE_INCLUDED, QUEUE_PRICE),
        "requests": over(requests, REQ_INCLUDED, REQ_PRICE),
        "cpu": over(cpu, CPU_INCLUDED, CPU_PRICE),
    }
    per_day = lambda x: x / 30  # noqa: E731
    batch_cpu = a.invocation_checks * a.cpu_ms
    free = {
        "writes/day": (per_day(writes), FREE_WRITES),
        "reads/day": (per_day(reads), FREE_READS),
        "queue ops/day": (per_day(queue_ops), FREE_QUEUE_OPS),
        "requests/day": (per_day(requests), FREE_REQUESTS),
        "CPU ms/invocation": (batch_cpu, FREE_CPU_MS_PER_INVOCATION),
    }
    misses = [k for k, (used, cap) in free.items() if used > cap]
    return checks, writes, queue_ops, storage_gb, parts, misses


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--written", type=float, required=True, help="D1 rows written per check over its life")
    p.add_argument("--read", type=float, required=True, help="D1 rows read per check")
    p.add_argument("--queue-ops", type=float, required=True, help="queue operations per check")
    p.add_argument("--cpu-ms", type=float, required=True, help="isolate CPU ms per check")
    p.add_argument("--invocation-checks", type=int, default=100, help="checks per consumer invocation")
    # docs/BENCHMARKS.md: a 1-minute monitor keeps 822 KB of raw checks (7 days) and ~240 KB of
    # rollups (hourly 90 days, daily 400 days): 1.06 GB per 1,000 monitors.
    p.add_argument("--raw-mb", type=float, default=0.822, help="MB of raw checks kept per 1-minute monitor")
    p.add_argument("--rollup-mb", type=float, default=0.24, help="MB of rollups kept per monitor")
    p.add_argument("--views", type=float, default=100_000, help="status page views a month")
    p.add_argument("--view-rows", type=float, default=18_575, help="D1 rows read per uncached view")
    p.add_argument("--view-cpu-ms", type=float, default=130, help="CPU ms per uncached view")
    p.add_argument("--hit-cpu-ms", type=float, default=2.5, help="CPU ms per cached view")
    p.add_argument("--label", default="")
    a = p.parse_args()
    print(f"| monitors | interval | status page | checks/month | D1 rows written/month | queue ops/month | D1 storage | D1 writes | queues | other (CPU, requests, reads, storage) | **total/month** | Workers Free? |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for monitors in (100, 1_000, 10_000):
        for interval in (1, 5):
            for traffic in (False, True):
                checks, writes, qops, gb, parts, misses = bill(monitors, interval, a, traffic)
                total = sum(parts.values())
                other = parts["cpu"] + parts["requests"] + parts["d1_reads"] + parts["d1_storage"]
                free = "fits" if not misses else "no: " + ", ".join(misses)
                print(f"| {monitors:,} | {interval} min | {'100k views' if traffic else 'none'} | {checks / 1e6:.2f} M | {writes / 1e6:.1f} M "
                      f"| {qops / 1e6:.1f} M | {gb:.1f} GB | ${parts['d1_writes']:,.2f} | ${parts['queues']:,.2f} | ${other:,.2f} | **${total:,.2f}** | {free} |")


if __name__ == "__main__":
    main()
