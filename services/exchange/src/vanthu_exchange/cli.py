"""`vanthu exchange ...`: the operator's exchange tools, plugged into the `vanthu` command.

    vanthu exchange set-aside [--limit N] [--json]

``set-aside`` lists the packages this deployment's connector refused (each answered with status
02 and its reason, acknowledged as failed at the hub): a partner's package that could not be
taken in, newest first. It reads the connector's database of the VANTHU_* environment.
Exit status: 0 listed, 3 the server did not answer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from pymongo.errors import PyMongoError
from vanthu_runtime.mongo import create_mongo_client
from vanthu_runtime.settings import MongoSettings

from vanthu_exchange.adapters.mongo_connector_store import MongoConnectorStore

EXIT_OK, EXIT_SERVER = 0, 3


def register(sub: Any) -> None:
    exchange = sub.add_parser("exchange", help="exchange tools: packages set aside")
    actions = exchange.add_subparsers(dest="exchange_command", required=True)
    aside = actions.add_parser(
        "set-aside", help="packages the connector refused (status 02 sent back), newest first"
    )
    aside.add_argument("--limit", type=int, default=100)
    aside.add_argument("--json", action="store_true", help="one JSON object per line")
    aside.set_defaults(func=_cmd_set_aside)


def _cmd_set_aside(args: argparse.Namespace) -> int:
    try:
        rows = asyncio.run(_set_aside(MongoSettings(), args.limit))
    except PyMongoError as exc:
        sys.stderr.write(f"vanthu exchange set-aside: the database did not answer: {exc}\n")
        return EXIT_SERVER
    for row in rows:
        if args.json:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(
                f"{row['received_at']}  {row['delivery_id']}  from {row['from_agency']} "
                f"to {row['agency_code']}  {row['document_code'] or '-'}\n    {row['reason']}\n"
            )
    if not rows and not args.json:
        sys.stdout.write("no package set aside\n")
    return EXIT_OK


async def _set_aside(settings: MongoSettings, limit: int) -> list[dict[str, Any]]:
    client = create_mongo_client(settings)
    try:
        store = MongoConnectorStore(client[settings.database])
        return [
            {
                "delivery_id": record["_id"],
                "kind": record.get("kind"),
                "from_agency": record.get("from_agency"),
                "agency_code": record.get("agency_code"),
                "document_code": record.get("document_code"),
                "reason": record.get("reason"),
                "received_at": record["received_at"].isoformat()
                if record.get("received_at")
                else None,
            }
            for record in await store.set_aside(limit)
        ]
    finally:
        await client.close()
