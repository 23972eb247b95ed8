"""Each service's /docs page works on a closed network: Swagger UI comes from the service itself."""

from __future__ import annotations

import httpx
from vanthu_runtime.api import create_app


async def test_the_docs_page_loads_swagger_ui_from_the_service_not_a_cdn() -> None:
    app = create_app(service="intake")  # no lifespan: no servers needed
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        page = await client.get("/docs")
        script = await client.get("/docs-assets/swagger-ui-bundle.js")
        style = await client.get("/docs-assets/swagger-ui.css")
        schema = await client.get("/openapi.json")

    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    assert "/docs-assets/swagger-ui-bundle.js" in page.text
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.text
    assert style.status_code == 200
    assert schema.json()["info"]["title"] == "vanthu intake"
