"""CPython's own tests of ``importlib.util.LazyLoader``, run against ``importcraft.lazy_import``.

The tests are the running interpreter's ``test.test_importlib.test_lazy``, imported as it ships
(no copy here; an interpreter without its ``test`` package fails this module loudly). They
build a lazy module with ``LazyLoaderTests.new_module``; the adapter overrides that one method so
the module is made by ``lazy_import`` instead: the peer's ``TestingImporter`` loader (with its
source code, load counter and ``loaded`` record) is found by a plain finder, no ``LazyLoader``
involved, and the laziness is importcraft's. The test methods themselves run unchanged. What is
ported, what differs on purpose and what cannot apply: docs/peers.md.
"""

from __future__ import annotations

import importlib.util
import sys
import unittest
from collections.abc import Callable
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

import pytest
from test.test_importlib import test_lazy as peer

import importcraft

NAME = peer.TestingImporter.module_name


class _PlainFinder:
    """Finds the peer's test module with its loader as it is: not wrapped in LazyLoader."""

    def __init__(self, loader: object) -> None:
        self.loader = loader

    def find_spec(self, name: str, path: object = None, target: object = None) -> ModuleSpec | None:
        if name != NAME:
            return None
        return importlib.util.spec_from_loader(name, self.loader)  # type: ignore[arg-type]


def _differs(test: Callable[[Any], None], fragment: str, reason: str) -> Callable[[Any], None]:
    """The peer's ``test``, expected to fail with ``fragment``: a deliberate difference."""

    def run(self: unittest.TestCase) -> None:
        with pytest.raises(AssertionError) as caught:
            test(self)
        assert fragment in str(caught.value), f"fails otherwise than documented: {reason}"

    run.__doc__ = f"deliberate difference (docs/lazy.md): {reason}"
    return run


class LazyImportTests(peer.LazyLoaderTests):
    """CPython's LazyLoaderTests with the lazy module made by importcraft.lazy_import."""

    def new_module(self, source_code: str | None = None, loader: Any = None) -> ModuleType:
        if loader is None:
            loader = peer.TestingImporter()
        if source_code is not None:
            loader.source_code = source_code
        # CPython's new_module leaves sys.modules alone; lazy_import registers the module there.
        # Whatever the test put under the name first is put back after the declaration: a
        # substitution before first use, as test_module_substitution_error means it.
        before = sys.modules.pop(NAME, None)
        finder = _PlainFinder(loader)
        sys.meta_path.insert(0, finder)
        try:
            module = importcraft.lazy_import(NAME)
        finally:
            sys.meta_path.remove(finder)
        if before is not None:
            sys.modules[NAME] = before
        assert importcraft.is_lazy(module)
        assert loader.loaded is None  # the peer's own check that nothing ran yet
        return module

    # LazyLoader's own API (constructor validation, the end-to-end path through a finder that
    # returns a LazyLoader spec): no lazy_import counterpart. None removes an inherited test.
    test_init = None
    test_e2e = None

    def test_lazy_self_referential_modules(self) -> None:
        # 3.13's test applies LazyLoader to json by hand (a package whose submodules use it while
        # it loads); its steps, with lazy_import making the module.
        json_modules = [name for name in sys.modules if name.startswith("json")]
        with peer.test_util.uncache(*json_modules):
            module = importcraft.lazy_import("json")
            assert importcraft.is_lazy(module)
            assert module.loads("{}") == {}

    test_attr_unchanged = _differs(
        peer.LazyLoaderTests.test_attr_unchanged,
        "'changed' != 'lazy_loader_test'",
        "reading __name__ (import metadata) does not load a lazy module, so it is still the "
        "declared name, not the one the body sets",
    )
    test_module_substitution_error = _differs(
        peer.LazyLoaderTests.test_module_substitution_error,
        "ValueError not raised",
        "a lazy module whose name was taken in sys.modules before first use forwards to the "
        "module found there instead of raising ValueError",
    )
    if hasattr(peer.LazyLoaderTests, "test_lazy_module_type_override"):  # 3.13+
        test_lazy_module_type_override = _differs(
            peer.LazyLoaderTests.test_lazy_module_type_override,
            "is not an instance of <class 'importlib.util._LazyModule'>",
            "the pending module is importcraft's own lazy type, not importlib.util._LazyModule",
        )
