"""Each service signs in to the servers as itself (issue 16 item 11; ADR 0005 addendum).

`make run` gives every service its own Mongo-wire user (SCRAM-SHA-256) and its own MinIO user
whose policy reaches its buckets only; the administrators' logins (`infra.sh env`) stay with the
operators and the tests. The passwords are made by `deploy/local/infra.sh` into
`.local/secrets.env` (never in the repository); this module makes the users from them, once:

    python -m vanthu_runtime.server_logins .local/secrets.env

with the administrators' settings in the environment (VANTHU_MONGO_URI, VANTHU_S3_*), as
`deploy/local/services.sh` runs it. Running it again changes nothing but a MinIO user's secret
and policy, which are set to what the secrets file says. Kafka's users are made by `infra.sh up`
with Kafka's own tool (aiokafka cannot make SCRAM credentials; ADR 0005's Kafka addendum).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from minio.credentials.providers import StaticProvider
from minio.minioadmin import MinioAdmin
from pymongo import MongoClient

from vanthu_runtime.settings import MongoSettings, S3Settings

SERVICES = ("intake", "routing", "exchange", "archive")


def s3_access_key(service: str) -> str:
    return f"vanthu-{service}"


def service_buckets(service: str, bucket: str) -> list[str]:
    """The buckets a service works in: the deployment's, and the archive's checkpoints."""
    return [bucket, f"{bucket}-checkpoints"] if service == "archive" else [bucket]


def bucket_policy(buckets: list[str]) -> dict[str, Any]:
    """Everything S3 inside those buckets, nothing outside them and no administration."""
    resources = [f"arn:aws:s3:::{b}" for b in buckets] + [f"arn:aws:s3:::{b}/*" for b in buckets]
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:*"], "Resource": resources}],
    }


def read_secrets(path: Path) -> dict[str, str]:
    return dict(line.strip().split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def ensure_mongo_users(mongo: MongoSettings, secrets: Mapping[str, str]) -> list[str]:
    """The services' Mongo-wire users that were missing, made now."""
    made = []
    admin: MongoClient[dict[str, Any]]
    with MongoClient(mongo.uri, serverSelectionTimeoutMS=30_000) as admin:
        users = admin.admin.command("usersInfo").get("users", [])
        have = {user["user"] for user in users}
        for service in SERVICES:
            if service not in have:
                password = secrets[f"VANTHU_MONGO_PASSWORD_{service.upper()}"]
                admin.admin.command("createUser", service, pwd=password, roles=[])
                made.append(service)
    return made


def ensure_s3_users(s3: S3Settings, secrets: Mapping[str, str]) -> list[str]:
    """Each service's MinIO user, with the policy of its buckets (set every time)."""
    admin = MinioAdmin(
        endpoint=s3.endpoint,
        credentials=StaticProvider(s3.access_key, s3.secret_key.get_secret_value()),
        secure=s3.secure,
    )
    for service in SERVICES:
        key = s3_access_key(service)
        admin.user_add(key, secrets[f"VANTHU_S3_SECRET_KEY_{service.upper()}"])
        policy = f"vanthu-{service}-buckets"
        admin.policy_add(policy, policy=bucket_policy(service_buckets(service, s3.bucket)))
        admin.policy_set(policy, user=key)
    return [s3_access_key(s) for s in SERVICES]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage: python -m vanthu_runtime.server_logins SECRETS_FILE\n")
        return 2
    secrets = read_secrets(Path(argv[0]))
    made = ensure_mongo_users(MongoSettings(), secrets)
    s3_users = ensure_s3_users(S3Settings(), secrets)
    sys.stdout.write(
        json.dumps({"mongo_users_made": made, "s3_users": s3_users}, ensure_ascii=False) + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
