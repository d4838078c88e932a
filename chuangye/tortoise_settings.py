"""Settings for Tortoise's own CLI, used only to write migration files:

    .venv/bin/tortoise -c chuangye.tortoise_settings.TORTOISE_ORM makemigrations
"""
from chuangye.db import tortoise_config

TORTOISE_ORM = tortoise_config("sqlite://:memory:")
