"""What a run measures and how long: command-line flags over environment variables."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from dataclasses import dataclass

DATABASE_URL_VARIABLE = "STOCKBOOK_BENCH_DATABASE_URL"


@dataclass(frozen=True)
class Options:
    database_url: str | None
    """A PostgreSQL server to run on (a throwaway database is created there); None: SQLite."""
    duration: int
    """Seconds of each wrk run."""
    warmup: int
    """Seconds of wrk before each read or write run, not measured."""
    connections: int
    threads: int
    workers: int
    """Server worker processes, the same for the app and the baseline."""
    stocks: int
    """Stocks in the catalog; the performance portfolio holds them all."""
    years: int
    """Years of daily prices of every stock."""
    holdings: int
    """Stocks held by the holdings portfolios."""
    small_transactions: int
    large_transactions: int
    """Rows of the timed CSV import, which fills the large holdings portfolio."""
    contention_shares: int
    """Shares of the position that the contention run sells one at a time."""
    performance_calls: int
    import_timeout: int
    """Seconds the timed CSV import may take before the run gives up on it."""
    seed: int
    soak_seconds: int
    """Seconds of the soak scenario's fixed-rate mixed load."""
    soak_rate: int
    """Requests per second the soak scenario sends (70 % reads, 30 % writes)."""
    quick: bool
    profile_dir: str | None = None
    """Where to write a py-spy profile of the server during each app scenario."""

    @property
    def full_size(self) -> bool:
        """The targets are set for the full sizes; a smaller run only indicates."""
        return (
            self.stocks >= 200
            and self.years >= 20
            and self.holdings >= 50
            and self.large_transactions >= 100_000
        )


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"benchmarks: {name} must be a whole number, not {value!r}") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number ≥ 1, not {text!r}")
    return value


def parse_options(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Seed a throwaway database, start the real server and a bare baseline, "
        "drive both with wrk over loopback, and print one table. Every flag also reads "
        "an environment variable (STOCKBOOK_BENCH_<FLAG>, e.g. STOCKBOOK_BENCH_DURATION).",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("STOCKBOOK_BENCH_QUICK", "") not in ("", "0"),
        help="a smoke run: 3 s per scenario on small data (the targets only indicate)",
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        default=os.environ.get("STOCKBOOK_BENCH_PROFILE") or None,
        help="record the server with py-spy (on PATH) during each app scenario, into DIR",
    )
    flags = {
        "duration": (10, 3, "seconds of each measured wrk run"),
        "warmup": (2, 1, "seconds of wrk before each measured run"),
        "connections": (32, 32, "wrk connections"),
        "threads": (2, 2, "wrk threads"),
        "workers": (1, 1, "server worker processes (app and baseline alike)"),
        "stocks": (200, 60, "stocks in the catalog and the performance portfolio"),
        "years": (20, 5, "years of daily prices"),
        "holdings": (50, 50, "stocks held by the holdings portfolios"),
        "small-transactions": (1_000, 1_000, "transactions of the small holdings portfolio"),
        "large-transactions": (100_000, 10_000, "rows of the timed CSV import"),
        "contention-shares": (100, 50, "shares the contention run sells one at a time"),
        "performance-calls": (3, 2, "timed calls of the performance endpoint"),
        "import-timeout": (1800, 600, "seconds the timed CSV import may take"),
        "seed": (42, 42, "random seed of the generated data"),
        "soak-seconds": (60, 10, "seconds of the soak scenario's fixed-rate mixed load"),
        "soak-rate": (50, 50, "requests per second of the soak scenario"),
    }
    for flag, (_, _, text) in flags.items():
        parser.add_argument(f"--{flag}", type=_positive, help=f"{text}")
    args = parser.parse_args(argv)
    values: dict[str, int] = {}
    for flag, (full, quick, _) in flags.items():
        name = flag.replace("-", "_")
        given = getattr(args, name)
        default = quick if args.quick else full
        values[name] = (
            given if given is not None else _int_env(f"STOCKBOOK_BENCH_{name.upper()}", default)
        )
    if values["holdings"] > values["stocks"]:
        parser.error("--holdings must not exceed --stocks")
    if values["stocks"] < 51:
        parser.error("--stocks must be at least 51 (the list scenario reads 50 and one more)")
    return Options(
        database_url=os.environ.get(DATABASE_URL_VARIABLE) or None,
        quick=args.quick,
        profile_dir=args.profile,
        **values,
    )
