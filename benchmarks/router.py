"""Benchmark of the router (issue 2).

(a) one non-matching find_spec with 1, 100 and 10,000 rules installed (target: at most 1 µs,
    flat from 1 to 10,000), and with a rule covering every name that says which top-level
    names it wants (register_version's catalogue);
(b) a fresh interpreter importing a fixed list of standard-library modules, with importcraft
    imported and 1,000 rules installed, against the same without importcraft (target: at most
    1.03, as a ratio of interleaved runs);
(c) the import time of importcraft itself (target: at most 2 ms).

Run: .venv/bin/python benchmarks/router.py [--rounds N] [--only LETTERS]
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable

from _common import (
    child_env,
    interleave,
    median,
    paired_ratio,
    per_call_ns,
    run_child,
    start,
)

import importcraft
from importcraft.core._router import RESOLVE, Router
from importcraft.rules._versions import CatalogRule
from importcraft.sources._install import SourceRule

# 189 standard-library modules that import without side effects on CPython 3.11 to 3.13.
STDLIB = """
abc argparse array ast atexit base64 bdb binascii bisect builtins bz2 cProfile calendar cmath cmd
code codecs codeop collections colorsys compileall configparser contextlib contextvars copy copyreg
csv ctypes dataclasses datetime decimal difflib dis doctest email encodings enum errno faulthandler
fcntl filecmp fileinput fnmatch fractions ftplib functools gc genericpath getopt getpass gettext
glob graphlib grp gzip hashlib heapq hmac html http imaplib importlib inspect io ipaddress itertools
json keyword linecache locale logging lzma mailbox marshal math mimetypes mmap modulefinder netrc
nturl2path numbers opcode operator optparse os pathlib pdb pickle pickletools pkgutil platform
plistlib poplib posix posixpath pprint profile pstats pty pwd py_compile pyclbr pyexpat queue quopri
random re reprlib resource rlcompleter runpy sched secrets select selectors shelve shlex shutil
signal smtplib socket socketserver ssl stat statistics string stringprep struct subprocess symtable
sysconfig syslog tabnanny tarfile tempfile termios textwrap threading time timeit token tokenize
tomllib trace traceback tracemalloc tty types typing unicodedata unittest urllib uuid warnings wave
weakref wsgiref xml xmlrpc zipapp zipfile zipimport zlib zoneinfo email.mime.text email.parser
json.decoder xml.etree.ElementTree xml.dom.minidom http.client http.server urllib.request
urllib.parse logging.handlers importlib.metadata importlib.resources collections.abc unittest.mock
concurrent.futures asyncio multiprocessing.pool sqlite3 wsgiref.simple_server html.parser
encodings.idna ctypes.util xml.sax.saxutils email.policy logging.config
""".split()

CHILD = """
import sys, time
if sys.argv[1] == "with":
    import importcraft
    for i in range(1000):
        importcraft.virtual({f"bench_rule_{i}": ""})
start = time.perf_counter()
for name in sys.argv[2:]:
    __import__(name)
print(time.perf_counter() - start)
"""


def miss_cost() -> None:
    print("(a) one non-matching find_spec, ns per call (best of 5 batches, 7 interleaved rounds)")
    routers = {}
    for count in (1, 100, 10_000):
        router = Router()
        source = importcraft.DictSource({})
        for i in range(count):
            # Same rules install() makes for a top-level source, indexed directly so these
            # routers stay off sys.meta_path.
            router._index(SourceRule(RESOLVE, f"bench_pkg_{i}", source, None, None))
        routers[count] = router
    # The same 10,000 rules and a rule covering every name that says which top-level names it
    # wants (register_version's catalogue, one version of one module registered).
    catalogued = Router()
    for rules in routers[10_000]._prefix.values():
        for rule in rules:
            catalogued._index(rule)
    catalogued._index(CatalogRule({"bench_versioned": {"1": "bench_versioned_v1"}}))
    catalogued.forget_answers()

    class Bare:
        def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
            return None

    def timing(router: object) -> Callable[[], float]:
        return lambda: per_call_ns("find('colorsys')", {"find": router.find_spec})  # type: ignore[attr-defined]

    runs = {f"{count:,} rules": timing(router) for count, router in routers.items()}
    runs["floor: a finder that returns None"] = lambda: per_call_ns(
        "find('colorsys')", {"find": Bare().find_spec}
    )
    runs["10,000 rules and a catalogue rule"] = lambda: per_call_ns(
        "find('colorsys')", {"find": catalogued.find_spec}
    )
    deep = routers[10_000]
    runs["10,000 rules, dotted name a.b.c.d"] = lambda: per_call_ns(
        "find('xml.etree.cElementTree.x')", {"find": deep.find_spec}
    )
    results = interleave(runs, rounds=7)
    for name, values in results.items():
        print(f"    {name:<36} {median(values):7.0f} ns")
    flat = median(results["10,000 rules"]) / median(results["1 rules"])
    print(f"    ratio 10,000 rules / 1 rule: {flat:.2f}")
    with_catalogue = paired_ratio(
        results["10,000 rules and a catalogue rule"], results["10,000 rules"]
    )
    print(f"    ratio with the catalogue / without: {with_catalogue:.2f}")


def stdlib_imports(rounds: int) -> None:
    print(f"(b) fresh interpreter importing {len(STDLIB)} stdlib modules, {rounds} rounds")
    env = child_env()
    for mode in ("without", "with"):
        run_child(CHILD, mode, *STDLIB, env=env)  # warm the bytecode caches
    walls: dict[str, list[float]] = {"without": [], "with": []}

    def one(mode: str) -> float:
        wall, out = run_child(CHILD, mode, *STDLIB, env=env)
        walls[mode].append(wall)
        return float(out)

    results = interleave({"without": lambda: one("without"), "with": lambda: one("with")}, rounds)
    for mode in ("without", "with"):
        print(
            f"    {mode:<8} importcraft: imports {median(results[mode]) * 1e3:7.2f} ms, "
            f"whole process {median(walls[mode]) * 1e3:7.2f} ms (medians)"
        )
    ratio = paired_ratio(results["with"], results["without"])
    of_medians = median(results["with"]) / median(results["without"])
    print(
        f"    ratio with/without, imports only: {ratio:.3f} "
        f"(median of per-round ratios; ratio of medians {of_medians:.3f})"
    )
    print(
        "    ratio with/without, whole process incl. importing importcraft and 1,000 installs: "
        f"{paired_ratio(walls['with'], walls['without']):.3f}"
    )


def own_import_time(rounds: int) -> None:
    print(f"(c) import time of importcraft, {rounds} rounds")
    env = child_env()
    run_child("import importcraft", env=env)
    pattern = re.compile(r"import time:\s+\d+ \|\s+(\d+) \| importcraft$", re.M)

    def importtime() -> float:
        import subprocess

        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import importcraft"],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        match = pattern.search(done.stderr)
        assert match, done.stderr
        return int(match.group(1)) / 1e3

    results = interleave(
        {
            "importtime": importtime,
            "bare": lambda: run_child("pass", env=env)[0] * 1e3,
            "import": lambda: run_child("import importcraft", env=env)[0] * 1e3,
        },
        rounds,
    )
    print(f"    -X importtime, cumulative for importcraft: {median(results['importtime']):.3f} ms")
    added = median(results["import"]) - median(results["bare"])
    print(
        f"    wall: python -c pass {median(results['bare']):.2f} ms, "
        f"python -c 'import importcraft' {median(results['import']):.2f} ms, added {added:+.2f} ms"
    )


def main() -> None:
    only = "abc"
    if "--only" in sys.argv:
        at = sys.argv.index("--only")
        only = sys.argv[at + 1]
        del sys.argv[at : at + 2]
    rounds = start(__doc__ or "", 30)
    if "a" in only:
        miss_cost()
    if "b" in only:
        stdlib_imports(rounds)
    if "c" in only:
        own_import_time(rounds)


if __name__ == "__main__":
    main()
