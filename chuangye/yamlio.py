"""YAML reading with libyaml's C parser where PyYAML has it (its PyPI wheels do), else the pure-Python
one. Same documents, same errors (``yaml.YAMLError``); the C parser reads the shipped knowledge base's
front matter many times faster, which a process pays at its first start-up and a test at every app it builds."""
from __future__ import annotations

from typing import IO, Any

import yaml

SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(stream: str | bytes | IO[str] | IO[bytes]) -> Any:
    """``yaml.safe_load``, with the C parser when there is one."""
    return yaml.load(stream, Loader=SafeLoader)  # noqa: S506 - a safe loader
