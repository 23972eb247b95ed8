"""The local servers have logins (issue 16 item 11): nobody reaches the Mongo-wire server without
one, and each service signs in to it and to MinIO as itself, its MinIO user reaching its own
buckets only. On the private servers, so that the policies set here touch no other test."""

from __future__ import annotations

import io
import secrets

import pytest
from minio import Minio
from minio.credentials import StaticProvider
from minio.error import S3Error
from minio.minioadmin import MinioAdmin
from pymongo import MongoClient
from pymongo.errors import OperationFailure
from vanthu_runtime.server_logins import ensure_mongo_users, ensure_s3_users, read_secrets
from vanthu_runtime.settings import MongoSettings, S3Settings


@pytest.fixture(scope="module")
def logins(private_servers) -> dict[str, dict[str, str]]:
    """The administrators' settings and each service's own, with the users made."""
    admin = private_servers.service_env()
    secrets_file = read_secrets(private_servers.state / "secrets.env")
    ensure_mongo_users(MongoSettings(uri=admin["VANTHU_MONGO_URI"]), secrets_file)
    ensure_s3_users(
        S3Settings(
            endpoint=admin["VANTHU_S3_ENDPOINT"],
            access_key=admin["VANTHU_S3_ACCESS_KEY"],
            secret_key=admin["VANTHU_S3_SECRET_KEY"],
            bucket="vanthu",
        ),
        secrets_file,
    )
    found = {"admin": admin}
    for service in ("intake", "archive"):
        lines = private_servers.infra("service-env", service).splitlines()
        found[service] = dict(line.split("=", 1) for line in lines if "=" in line)
    return found


def _port(uri: str) -> str:
    return uri.rsplit(":", 1)[1].strip("/")


def test_the_mongo_wire_server_refuses_a_client_without_a_login(logins) -> None:
    anonymous = f"mongodb://127.0.0.1:{_port(logins['admin']['VANTHU_MONGO_URI'])}/"
    with (
        MongoClient(anonymous, serverSelectionTimeoutMS=5000) as client,
        pytest.raises(OperationFailure, match="requires authentication"),
    ):
        client.vanthu.documents.find_one({})
    wrong = anonymous.replace("mongodb://", "mongodb://intake:not-the-password@")
    with (
        MongoClient(wrong, serverSelectionTimeoutMS=5000) as client,
        pytest.raises(OperationFailure, match="Authentication failed"),
    ):
        client.vanthu.documents.find_one({})


def test_a_service_signs_in_to_the_mongo_wire_server_as_itself(logins) -> None:
    own = logins["intake"]["VANTHU_MONGO_URI"]
    assert own.startswith("mongodb://intake:")
    assert own != logins["admin"]["VANTHU_MONGO_URI"]
    with MongoClient(own, serverSelectionTimeoutMS=5000) as client:
        mark = secrets.token_hex(4)
        client.vanthu_logins.t.insert_one({"_id": mark})
        assert client.vanthu_logins.t.find_one({"_id": mark}) == {"_id": mark}


def _minio(env: dict[str, str], endpoint: str) -> Minio:
    return Minio(
        endpoint,
        access_key=env["VANTHU_S3_ACCESS_KEY"],
        secret_key=env["VANTHU_S3_SECRET_KEY"],
        secure=False,
    )


def test_a_service_reaches_its_own_buckets_in_minio_and_nothing_else(logins) -> None:
    endpoint = logins["admin"]["VANTHU_S3_ENDPOINT"]
    root = _minio(logins["admin"], endpoint)
    for bucket in ("vanthu", "vanthu-checkpoints", "other-deployment"):
        if not root.bucket_exists(bucket):
            root.make_bucket(bucket)
    intake = _minio(logins["intake"], endpoint)
    assert logins["intake"]["VANTHU_S3_ACCESS_KEY"] == "vanthu-intake"
    intake.put_object("vanthu", "logins/a.txt", io.BytesIO(b"ok"), 2)
    assert intake.get_object("vanthu", "logins/a.txt").read() == b"ok"
    for bucket in ("other-deployment", "vanthu-checkpoints"):
        with pytest.raises(S3Error, match="AccessDenied"):
            intake.put_object(bucket, "x.txt", io.BytesIO(b"no"), 2)
    # The archive keeps its signed checkpoints in a bucket of its own.
    archive = _minio(logins["archive"], endpoint)
    archive.put_object("vanthu-checkpoints", "logins/c.txt", io.BytesIO(b"ok"), 2)
    assert archive.get_object("vanthu", "logins/a.txt").read() == b"ok"
    # No service administers MinIO.
    admin_api = MinioAdmin(
        endpoint=endpoint,
        credentials=StaticProvider("vanthu-intake", logins["intake"]["VANTHU_S3_SECRET_KEY"]),
        secure=False,
    )
    with pytest.raises(Exception, match=r"(?i)access ?denied|not allowed|403"):
        admin_api.user_list()
