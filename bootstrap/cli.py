"""The ``stockbook`` command line: its arguments, and which command runs."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from uuid import UUID

from bootstrap.commands import (
    CommandError,
    create_api_key,
    create_user,
    import_transactions,
    migrate,
    rebuild_projections,
    serve,
)
from bootstrap.seed_demo import seed_demo
from bootstrap.settings import ConfigurationError, load_settings


def _whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``, else one line saying so."""

    def parse(text: str) -> int:
        if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"must be a whole number from {low} to {high}")
        return int(text)

    return parse


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stockbook", description="StockBook portfolio API.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="serve the HTTP API")
    serve_parser.add_argument("--host", help="address to listen on (STOCKBOOK_HOST)")
    serve_parser.add_argument(
        "--port", type=_whole_number(1, 65535), help="port to listen on (STOCKBOOK_PORT)"
    )
    serve_parser.add_argument(
        "--workers", type=_whole_number(1, 64), default=1, help="worker processes (1-64)"
    )
    serve_parser.add_argument("--reload", action="store_true", help="reload on code changes")
    serve_parser.add_argument("--access-log", action="store_true", help="log every request")
    commands.add_parser("migrate", help="apply all migrations (alembic upgrade heads)")
    user_parser = commands.add_parser(
        "create-user",
        help="create a user; the password is asked for, or read from stdin when piped",
    )
    user_parser.add_argument("email")
    key_parser = commands.add_parser("create-api-key", help="create an API key and print it")
    key_parser.add_argument("email", help="the user who owns the key")
    key_parser.add_argument("name", help="what the key is for")
    key_parser.add_argument("--scope", choices=["read", "write"], default="read")
    import_parser = commands.add_parser(
        "import-transactions", help="import a transactions CSV file into a portfolio"
    )
    import_parser.add_argument("file", type=Path, help="CSV in the API's import format")
    import_parser.add_argument("--portfolio", required=True, type=UUID, help="portfolio id")
    import_parser.add_argument("--user", required=True, help="email of the portfolio's owner")
    rebuild_parser = commands.add_parser(
        "rebuild-projections", help="rebuild the holdings projection from the transactions"
    )
    rebuild_parser.add_argument("--portfolio", type=UUID, help="only this portfolio")
    rebuild_parser.add_argument(
        "--check", action="store_true", help="only report where the projection differs"
    )
    demo_parser = commands.add_parser(
        "seed-demo",
        help="create a demo user, stocks with daily prices and a portfolio with a history",
    )
    demo_parser.add_argument("--email", default="demo@example.com", help="the demo user")
    demo_parser.add_argument(
        "--password", help="the demo user's password (default: generated and printed)"
    )
    demo_parser.add_argument(
        "--seed", type=int, default=42, help="random seed of the generated data"
    )
    demo_parser.add_argument(
        "--years",
        type=_whole_number(1, 30),
        default=5,
        help="years of prices and history before this one (1-30; default 5)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
        if args.command == "serve":
            serve(settings, args)
        elif args.command == "migrate":
            migrate(settings)
        elif args.command == "create-user":
            create_user(settings, args.email)
        elif args.command == "create-api-key":
            create_api_key(settings, args.email, args.name, args.scope)
        elif args.command == "import-transactions":
            import_transactions(settings, args.file, args.portfolio, args.user)
        elif args.command == "rebuild-projections":
            rebuild_projections(settings, args.portfolio, args.check)
        elif args.command == "seed-demo":
            seed_demo(settings, args.email, args.password, args.seed, args.years)
    except (ConfigurationError, CommandError) as error:
        print(f"stockbook: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        # What a command writes is one transaction: stopped, it wrote nothing.
        print("stockbook: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
