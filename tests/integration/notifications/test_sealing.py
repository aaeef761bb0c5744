"""Signing secrets are sealed at rest under a key derived from the encryption key."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import select

from service.adapters.keys import new_encryption_key, notification_secrets_key
from service.bootstrap import open_service
from service.domain.actors import Actor
from service.notifications.sealing import SecretBox
from service.notifications.signing import new_secret
from service.notifications.subscriptions import secrets_in_use
from service.notifications.tables import subscriptions
from service.settings import Settings

SOMERSET = Actor("Somerset case system", "authority", "933")


def test_a_sealed_secret_opens_only_for_its_own_subscription() -> None:
    key = Settings(encryption_key=new_encryption_key()).encryption_key
    box = SecretBox(notification_secrets_key(key))
    secret, owner = new_secret(), uuid4()
    sealed = box.seal(secret, owner)
    assert secret not in sealed and box.open(sealed, owner) == secret
    with pytest.raises(InvalidTag):
        box.open(sealed, uuid4())


def test_the_store_holds_sealed_secrets_and_the_worker_signs_with_the_real_one(
    tmp_path: Path,
) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/events.sqlite3", encryption_key=new_encryption_key()
    )
    service = open_service(settings)
    try:
        made = service.subscriptions.register(SOMERSET, "http://127.0.0.1:9/hooks", None)
        rotated = service.subscriptions.rotate_secret(SOMERSET, made.subscription.subscription_id)
        with service.engine.connect() as connection:
            row = connection.execute(select(subscriptions)).one()
        assert row.secret.startswith("aesgcm:") and row.previous_secret.startswith("aesgcm:")
        assert made.secret not in row.previous_secret and rotated.secret not in row.secret
        now = service.clock()
        assert secrets_in_use(row, now, service.subscriptions.box) == [rotated.secret, made.secret]
    finally:
        service.close()
