"""``importcraft check [--config FILE] [--json] [--package PKG]... [--runtime TRACE.json]``: check
the import contracts of ``[[tool.importcraft.contracts]]`` on the static import graph. Exit
status 0 when every contract is kept, 1 when one is broken, 2 when they cannot be checked."""

from __future__ import annotations

import os
import sys

_DESCRIPTION = """\
Check the import contracts written as [[tool.importcraft.contracts]] tables in pyproject.toml
(the nearest one, or --config FILE): layers, forbidden and independence as import-linter has
them, acyclic and import_time. The packages read are --package, else root_packages under
[tool.importcraft], else the top-level packages the contracts name; they are looked for in the
configuration file's folder, its src/ folder, then sys.path. Nothing is imported. Every broken
contract is shown with each chain of imports breaking it and the file:line of every link. Exit
status: 0 all kept, 1 one or more broken, 2 the contracts cannot be checked.
"""


def check_command(args: list[str]) -> int:
    """``importcraft check``: see the module's docstring."""
    import argparse

    parser = argparse.ArgumentParser(prog="importcraft check", description=_DESCRIPTION)
    parser.add_argument("--config", metavar="FILE", help="the file with the contracts")
    parser.add_argument("--json", action="store_true", help="print the verdicts as JSON")
    parser.add_argument(
        "--package", metavar="PKG", action="append", default=[],
        help="a package to read (a top-level name or a directory); repeat for more",
    )  # fmt: skip
    parser.add_argument(
        "--runtime", metavar="TRACE.json",
        help="add the imports seen at run time in this trace (importcraft trace --json)",
    )  # fmt: skip
    options = parser.parse_args(args)

    from ..inspect._contracts import (
        ContractError,
        add_runtime_edges,
        check_contracts,
        contract_packages,
        load_contracts,
        report,
    )
    from ..inspect._graph_build import import_graph

    config_file = options.config
    if config_file is None:
        from ._config import find_pyproject

        config_file = find_pyproject(os.getcwd())
        if config_file is None:
            return _error("no pyproject.toml in this folder or above; give --config FILE")
    try:
        config = load_contracts(config_file)
        packages = options.package or config.root_packages or contract_packages(config.contracts)
        if not packages:
            raise ContractError(
                f"{config_file}: no package to read: set root_packages under [tool.importcraft] "
                "or give --package"
            )
        base = os.path.dirname(os.path.abspath(config_file))
        search = [base, *([os.path.join(base, "src")] * os.path.isdir(os.path.join(base, "src")))]
        graph = import_graph(packages, path=[*search, *sys.path])
        if options.runtime is not None:
            graph = add_runtime_edges(graph, options.runtime)
        results = check_contracts(graph, config.contracts)
    except (ContractError, ImportError, OSError, ValueError) as exc:
        return _error(str(exc))
    broken = any(not r.kept for r in results)
    if options.json:
        import json

        from ..inspect._contracts import summary

        data = {
            "config": config_file,
            "packages": list(graph.packages),
            "contracts": [r.to_dict() for r in results],
            "summary": summary(results),
            "kept": sum(r.kept for r in results),
            "broken": sum(not r.kept for r in results),
        }
        print(json.dumps(data, indent=2))
    else:
        for problem in graph.problems:
            print(f"warning: {problem.file}:{problem.line}: {problem.message}", file=sys.stderr)
        print(report(results, os.getcwd()))
    return 1 if broken else 0


def _error(message: str) -> int:
    print(f"importcraft check: error: {message}", file=sys.stderr)
    return 2
