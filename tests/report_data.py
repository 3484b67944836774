"""Synthetic import traces (schema importcraft-trace/1) for the report tests and benchmark."""

from __future__ import annotations

import random
from typing import Any

SITE = "/home/user/project/.venv/lib/python3.12/site-packages"


def synthetic_trace(count: int, *, seed: int = 12, effect_every: int = 7) -> dict[str, Any]:
    """A trace of ``count`` modules in packages of realistic names and paths.

    Module ``i`` is imported by module ``(i - 1) // 4`` (the first five are top level), so the
    tree is a few levels deep; every ``effect_every``-th module has a side effect.
    """
    rng = random.Random(seed)
    names: list[str] = []
    for i in range(count):
        package = f"pkg{i % 23}"
        names.append(package if i < 23 else f"{package}.sub{(i // 23) % 9}.module_{i}")
    parents: list[int | None] = [None if i < 5 else (i - 1) // 4 for i in range(count)]
    children: list[list[int]] = [[] for _ in range(count)]
    for i, parent in enumerate(parents):
        if parent is not None:
            children[parent].append(i)
    self_ns = [rng.randint(20_000, 3_000_000) for _ in range(count)]
    cumulative = list(self_ns)
    for i in range(count - 1, -1, -1):
        cumulative[i] += sum(cumulative[j] for j in children[i])
    effects: list[dict[str, Any]] = []
    modules: list[dict[str, Any]] = []
    for i, name in enumerate(names):
        file = f"{SITE}/{name.replace('.', '/')}.py" if i >= 23 else f"{SITE}/{name}/__init__.py"
        own: list[int] = []
        if i % effect_every == 3:
            own.append(len(effects))
            effects.append(
                {
                    "kind": "open",
                    "module": name,
                    "file": file,
                    "line": 10 + i % 50,
                    "detail": f"open('/etc/app{i}.ini', 'r')",
                    "data": {"path": f"/etc/app{i}.ini", "mode": "r"},
                }
            )
        parent = parents[i]
        modules.append(
            {
                "name": name,
                "file": file,
                "kind": "source",
                "loader": "SourceFileLoader",
                "cached": i % 3 != 0,
                "self_ns": self_ns[i],
                "cumulative_ns": cumulative[i],
                "parent": None if parent is None else names[parent],
                "imported_at": None
                if parent is None
                else {"file": modules[parent]["file"], "line": 1 + children[parent].index(i)},
                "children": [names[j] for j in children[i]],
                "side_effects": own,
            }
        )
    return {
        "schema": "importcraft-trace/1",
        "python": "3.12.1",
        "implementation": "cpython",
        "argv": ["app.py"],
        "started": "2026-12-03T15:50:04Z",
        "total_ns": sum(cumulative[i] for i in range(min(5, count))) + 1_000_000,
        "modules": modules,
        "side_effects": effects,
    }
