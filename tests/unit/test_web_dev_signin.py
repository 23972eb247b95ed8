"""The web app's dev sign-in: a token for a chosen person only while dev auth is on."""

from __future__ import annotations

import httpx
from pydantic import SecretStr
from vanthu_runtime.api import create_app
from vanthu_runtime.auth import Role, verify_token
from vanthu_runtime.settings import AuthSettings

DEV = AuthSettings(dev_mode=True, dev_secret=SecretStr("a-local-dev-secret-of-some-length"))
PERSON = {
    "user_id": "lanh-dao-1",
    "agency_code": "000.00.00.G22",
    "roles": ["leader"],
    "full_name": "Nguyễn Văn An",
    "unit_id": "ban-giam-doc",
}


async def _sign_in(settings: AuthSettings, body: dict[str, object]) -> httpx.Response:
    app = create_app(service="intake", auth_settings=settings)  # no lifespan: no servers
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        return await client.post("/dev/sign-in", json=body)


async def test_with_dev_auth_on_a_chosen_person_gets_a_token_the_apis_accept() -> None:
    response = await _sign_in(DEV, PERSON)

    assert response.status_code == 200, response.text
    principal = verify_token(DEV, response.json()["token"])
    assert principal.user_id == "lanh-dao-1"
    assert principal.roles == frozenset({Role.LEADER})
    assert principal.full_name == "Nguyễn Văn An"
    assert principal.unit_id == "ban-giam-doc"


async def test_with_dev_auth_off_there_is_no_sign_in_page() -> None:
    production = DEV.model_copy(update={"dev_mode": False})

    response = await _sign_in(production, PERSON)

    assert response.status_code == 404


async def test_nobody_signs_in_as_a_service_account() -> None:
    response = await _sign_in(DEV, {**PERSON, "roles": ["service"]})

    assert response.status_code == 422
