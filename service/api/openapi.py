"""The committed OpenAPI document, generated from the code; a test fails when they differ."""

from __future__ import annotations

import json

from service.settings import Settings

from .app import create_app


def openapi_document() -> str:
    """The API's OpenAPI document as stable, sorted JSON text."""
    # The document does not depend on the deployment: never on its mode or key.
    settings = Settings(database_url="sqlite:///:memory:", env="development", encryption_key=None)
    app = create_app(settings)
    return json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
