"""`vanthu intake ...`: operator commands of the registry office (bulk scan import, migration)."""

from __future__ import annotations

import argparse
from typing import Any


def register_commands(subparsers: Any) -> None:
    intake = subparsers.add_parser("intake", help="registry office: bulk scan import, migration")
    commands = intake.add_subparsers(dest="intake_command", required=True)
    _ = commands, argparse
