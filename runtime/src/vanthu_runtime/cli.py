"""The `vanthu` command. Subcommands of other packages plug in through the `vanthu.cli` entry points
(each a function taking the argparse subparsers object)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from importlib.metadata import entry_points
from pathlib import Path

from vanthu_runtime.auth import InvalidToken, Role, issue_dev_token
from vanthu_runtime.kafka_topics import ensure_topics, planned_topics
from vanthu_runtime.settings import AuthSettings, KafkaSettings

LOCAL_SECRETS = Path(".local/secrets.env")


def _auth_settings() -> AuthSettings:
    # `make run` keeps the dev secret in .local/secrets.env; the environment wins when set.
    env_file = LOCAL_SECRETS if LOCAL_SECRETS.exists() else None
    return AuthSettings(_env_file=env_file)


def _cmd_token(args: argparse.Namespace) -> int:
    try:
        token = issue_dev_token(
            _auth_settings(),
            user_id=args.user,
            agency_code=args.agency,
            roles=args.role,
            full_name=args.name or args.user,
            unit_id=args.unit,
        )
    except InvalidToken as exc:
        sys.stderr.write(f"vanthu token: {exc}\n")
        return 1
    sys.stdout.write(token + "\n")
    return 0


def _cmd_topics(args: argparse.Namespace) -> int:
    settings = KafkaSettings()
    if args.action == "plan":
        for topic in planned_topics(settings):
            sys.stdout.write(f"{topic.name}\t{topic.num_partitions}\n")
        return 0
    created = asyncio.run(ensure_topics(settings))
    sys.stdout.write(f"{len(created)} topics created\n")
    return 0


BUILT_IN = ("token", "topics")


def build_parser(*, plugins: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vanthu", description="vanthu command line")
    sub = parser.add_subparsers(dest="command", required=True)

    token = sub.add_parser("token", help="print a dev token (accepted only when dev auth is on)")
    token.add_argument("--user", required=True)
    token.add_argument("--agency", required=True, help="agency identifier code, e.g. 000.00.00.G22")
    token.add_argument(
        "--role",
        required=True,
        action="append",
        choices=[r.value for r in Role],
        help="repeat for several roles",
    )
    token.add_argument("--name", default=None, help="full name shown in events")
    token.add_argument("--unit", default=None, help="unit id of the user")
    token.set_defaults(func=_cmd_token)

    topics = sub.add_parser("topics", help="the Kafka topics of the contracts' topic table")
    topics.add_argument("action", choices=["ensure", "plan"])
    topics.set_defaults(func=_cmd_topics)

    if plugins:
        for entry in entry_points(group="vanthu.cli"):
            entry.load()(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # The services' commands import whole services (seconds); `token` and `topics` need none.
    built_in = bool(argv) and argv[0] in BUILT_IN
    args = build_parser(plugins=not built_in).parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
