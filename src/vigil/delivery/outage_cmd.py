"""CLI glue for `vigil bench outage`: the broker down and the webhook failing for a while; what arrives after.

    vigil bench outage --outage 60 --json outage.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from vigil.delivery._broker import find_mosquitto
from vigil.delivery.outage_bench import DestinationResult, run_outage_benchmark
from vigil.errors import OutputError


def add_outage_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--outage", type=float, default=60.0, help="seconds the broker is down and the webhook fails (default 60)")
    p.add_argument("--rate", type=float, default=2.0, help="events raised per second meanwhile (default 2)")
    p.add_argument("--json", type=Path, default=None, help="write the report as JSON here")


def _line(name: str, d: DestinationResult) -> str:
    def s(v: float | None) -> str:
        return "-" if v is None else f"{v:.1f} s"

    return (f"  {name:8s} expected {d.expected}  delivered {d.delivered}  lost {d.lost}  repeated {d.duplicates}  "
            f"delay median {s(d.median_delay)} max {s(d.max_delay)}  all in {s(d.recovery)} after recovery")  # fmt: skip


def run_outage_command(args: argparse.Namespace) -> int:
    if not args.outage > 0 or not args.rate > 0:
        raise OutputError(f"bench outage: --outage and --rate must be > 0, got {args.outage} and {args.rate}")
    if find_mosquitto() is None:
        raise OutputError("bench outage: the mosquitto broker is not installed (apt-get install mosquitto)")
    r = run_outage_benchmark(outage_seconds=args.outage, events_per_second=args.rate)
    sys.stdout.write(
        f"outage of {r.outage_seconds:.0f} s: {r.events} events, {r.records} records raised; store holds "
        f"{r.stored_events} events / {r.stored_records} records ({'exactly once' if r.stored_exactly_once else 'NOT exactly once'})\n"
        + _line("mqtt", r.mqtt) + "\n" + _line("webhook", r.webhook) + "\n"
    )
    if args.json is not None:
        try:
            args.json.write_text(json.dumps(r.to_json(), indent=2) + "\n", encoding="utf-8")
        except OSError as e:
            raise OutputError(f"--json {args.json}: cannot write: {e.strerror or e}") from e
    return 0 if r.lost == 0 and r.stored_exactly_once else 1
