"""OpenAPI descriptions of multipart bodies that a route reads by hand (files beside JSON parts).

FastAPI documents a body only from the route's parameters; routes that stream a multipart form
themselves (to count its bytes, to take many files) describe it with `openapi_extra`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def multipart_body(
    *,
    json_parts: dict[str, type[BaseModel]],
    text_parts: dict[str, str] | None = None,
    file_part: str = "file",
    file_description: str,
    many_files: bool = True,
    required: tuple[str, ...] = (),
) -> dict[str, Any]:
    """`openapi_extra` for a multipart/form-data body: JSON parts described by their models,
    free-text parts by a sentence each, and the file part(s)."""
    properties: dict[str, Any] = {}
    for name, model in json_parts.items():
        schema = _inlined(model.model_json_schema())
        properties[name] = {
            **schema,
            "description": f"JSON text: {schema.get('description') or model.__name__}",
        }
    for name, description in (text_parts or {}).items():
        properties[name] = {"type": "string", "description": description}
    one_file = {"type": "string", "format": "binary"}
    properties[file_part] = (
        {"type": "array", "items": one_file, "description": file_description}
        if many_files
        else {**one_file, "description": file_description}
    )
    encoding = {name: {"contentType": "application/json"} for name in json_parts}
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": properties,
                        "required": list(required),
                    },
                    "encoding": encoding,
                }
            },
        }
    }


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with its `$defs` references replaced by their definitions, so that it stands
    on its own inside the OpenAPI document (whose root `#` is not the schema's)."""
    definitions = schema.pop("$defs", {})

    def resolve(node: Any, seen: tuple[str, ...] = ()) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                name = ref.removeprefix("#/$defs/")
                if name in seen:  # a recursive model: stop at an open object
                    return {"type": "object"}
                rest = {k: v for k, v in node.items() if k != "$ref"}
                return {**resolve(definitions[name], (*seen, name)), **rest}
            return {k: resolve(v, seen) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(item, seen) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved
