"""A SQLite database migrated only up to an older migration: the upgrade a running deployment makes."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from chuangye.config import config_from_dict
from chuangye.db import tortoise_config
from tests.support.env import base_settings


async def sqlite_at(tmp_path: Path, target: str) -> tuple[Path, Any]:
    """(the database file, its config), the schema as of migration ``target`` (e.g. "0012_team_webhook")."""
    from tortoise import Tortoise
    from tortoise.migrations.api.migrate import migrate as run_migrate

    path = tmp_path / "old.db"
    config = config_from_dict(base_settings(f"sqlite://{path}", None))
    try:
        await run_migrate(config=tortoise_config(config.database.url), target=f"models.{target}")
    finally:
        await Tortoise.close_connections()
    return path, config
