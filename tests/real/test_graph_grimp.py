"""import_graph() on real packages: the internal module-level edges grimp 3.20 finds (its graph
builder is Rust, reading every file whole), every difference explained; and the fast reader
gives the same lines, kinds and all, as the whole-file parse (strict_parse=True).

One subprocess per package, in the cached venv of tests/real/conftest.py (grimp is pinned in
tests/real/requirements.txt).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

CHILD = r"""
import json, sys
import grimp, importcraft
package, strict = sys.argv[1], sys.argv[2] == "strict"
ours = importcraft.import_graph(package)
theirs = grimp.build_graph(package, cache_dir=None)
out = {
    "ours": [
        [e.importer, e.imported, [[ln.line, ln.how] for ln in e.lines]]
        for e in ours.edges if e.imported in ours.internal
    ],
    "compiled": sorted(m for m, f in ours.files.items() if not f.endswith(".py")),
    "theirs": [
        [a, b, [d["line_number"] for d in theirs.get_import_details(importer=a, imported=b)]]
        for a in theirs.modules for b in theirs.find_modules_directly_imported_by(a)
    ],
    "problems": [list(p) for p in ours.problems],
}
if strict:
    whole = importcraft.import_graph(package, strict_parse=True, cache=False)
    def lines(graph):
        return sorted(
            [e.importer, e.imported, ln.line, ln.kind, ln.how, ln.statement]
            for e in graph.edges for ln in e.lines
        )
    out["same_as_strict"] = lines(ours) == lines(whole)
print(json.dumps(out))
"""

# package -> also compare with strict_parse=True (the whole-file parse is slow: small ones only)
PACKAGES = {
    "requests": True,
    "click": True,
    "rich": True,
    "sqlalchemy": False,
    "pandas": False,
    "sympy": False,  # about 1,500 modules
    "django": False,  # migrations named 0001_initial.py: modules too
}


@pytest.mark.parametrize("package", list(PACKAGES))
def test_the_same_edges_as_grimp(real_venv: Path, tmp_path: Path, package: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "IMPORTCRAFT"))}
    env["IMPORTCRAFT_CACHE_DIR"] = str(tmp_path / "cache")
    strict = "strict" if PACKAGES[package] else "fast"
    done = subprocess.run(
        [str(real_venv / "bin" / "python"), "-c", CHILD, package, strict],
        capture_output=True,
        text=True,
        env=env,
        cwd=str(tmp_path),
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    data = json.loads(done.stdout)
    assert data["problems"] == []
    if PACKAGES[package]:
        assert data["same_as_strict"], "the fast reader and strict_parse=True disagree"
    compiled = set(data["compiled"])
    ours = {(a, b): lines for a, b, lines in data["ours"]}
    theirs = {(a, b): lines for a, b, lines in data["theirs"]}
    unexplained_ours = []
    for edge in sorted(ours.keys() - theirs.keys()):
        hows = {how for _, how in ours[edge]}
        if hows == {"dynamic"}:
            continue  # literal import_module("...") / __import__("..."): grimp reads no calls
        if edge[1] in compiled:
            continue  # a compiled extension module: grimp lists .py modules only
        unexplained_ours.append((edge, ours[edge]))
    unexplained_theirs = []
    for edge in sorted(theirs.keys() - ours.keys()):
        importer, imported = edge
        if importer == imported:
            continue  # a module importing itself: importcraft makes no edge of it
        # `from pkg import lib`, lib compiled: grimp takes lib for a name of pkg (it does
        # not list compiled modules); importcraft has the edge to pkg.lib, same line.
        ours_lines = {
            line
            for (a, b), lines in ours.items()
            if a == importer and b in compiled and b.startswith(imported + ".")
            for line, _ in lines
        }
        if set(theirs[edge]) <= ours_lines:
            continue
        unexplained_theirs.append((edge, theirs[edge]))
    assert unexplained_ours == [], "edges only importcraft finds, unexplained"
    assert unexplained_theirs == [], "edges only grimp finds, unexplained"
    # And most edges are simply the same.
    assert len(ours.keys() & theirs.keys()) > 0.9 * len(theirs)
