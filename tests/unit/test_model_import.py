"""Importing the models reads no source file (orm_models/model.py): tortoise's search of each model's
source for ``#:`` field comments cost every process 0.1–0.17 s of its start."""
from __future__ import annotations

import subprocess
import sys

from tortoise.models import Model as TortoiseModel

import orm_models
from orm_models.model import Model
from tests.support.env import ROOT


def test_every_model_derives_from_the_base_that_skips_reading_its_source() -> None:
    models = [m for m in vars(orm_models).values() if isinstance(m, type) and issubclass(m, TortoiseModel)]
    assert len(models) >= 30
    assert [m.__name__ for m in models if not issubclass(m, Model) or not m.__dict__.get("_no_comments")] == []
    # a model's docstring still describes its table (the migrations' table comments)
    assert orm_models.User._meta.table_description == "A WeChat user: one row per (app, openid), unionid links the same person across apps."


def test_a_fresh_process_imports_every_model_without_reading_a_source_file() -> None:
    code = ("import inspect\nread = inspect.getsource\n"
            "def refuse(obj, *a, **k):\n"
            "    if getattr(obj, '__module__', '').startswith('orm_models'):\n"
            "        raise RuntimeError('source read: ' + repr(obj))\n"
            "    return read(obj, *a, **k)  # libraries' own reads (anyio reads its __init__) are theirs\n"
            "inspect.getsource = refuse\n"
            "import orm_models, server.app\nprint(len(orm_models.__all__))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert int(out.stdout) >= 30
