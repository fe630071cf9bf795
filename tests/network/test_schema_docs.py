"""The data README documents exactly the columns the loader accepts."""

from __future__ import annotations

import re

from engine.network import schema
from engine.network.paths import default_network_dir


def test_readme_documents_every_column() -> None:
    readme = (default_network_dir() / "README.md").read_text(encoding="utf-8")
    for table in (*schema.TABLES, *schema.OPTIONAL_TABLES):
        section = readme.split(f"## `{table.file}`", 1)[1].split("\n## ", 1)[0]
        documented: set[str] = set()
        for cell in re.findall(r"^\| ([^|]+) \|", section, flags=re.MULTILINE):
            documented.update(re.findall(r"`([a-z0-9_]+)`", cell))
        documented.discard("column")
        assert documented == set(table.columns), table.file
