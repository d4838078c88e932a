"""The base class of every model here: tortoise's ``Model`` without its reading of source files.

At import, tortoise reads each model class's source (``inspect.getsource``) to find ``#:`` comments
that describe fields. Ours are described with ``description=`` and have no such comments, yet the
reading took 0.1–0.17 s of every process's start (every worker, every CLI command); a class that
sets ``_no_comments`` skips it, and this metaclass sets it for each model (tortoise looks only at
the class's own attributes, so a base class's would not do).
"""
from __future__ import annotations

from typing import Any

from tortoise import models


class _NoSourceComments(models.ModelMeta):
    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]):  # noqa: N804 (tortoise's name)
        attrs.setdefault("_no_comments", True)
        return super().__new__(mcs, name, bases, attrs)


class Model(models.Model, metaclass=_NoSourceComments):
    class Meta:
        abstract = True
