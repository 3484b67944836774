"""Checking module names given by users."""

from __future__ import annotations

import keyword

import pytest

from importcraft.core import _names
from importcraft.core._names import check_module_name


def test_the_keywords_written_out_are_this_pythons() -> None:
    assert frozenset(keyword.kwlist) == _names._KEYWORDS


@pytest.mark.parametrize("name", ["json", "a.b.c", "_private", "match", "type", "case"])
def test_names_an_import_statement_can_spell_pass(name: str) -> None:
    assert check_module_name(name) == name


@pytest.mark.parametrize(
    ("name", "fault"),
    [
        ("class", "'class' is a keyword"),
        ("a.import", "'import' is a keyword"),
        ("a..b", "empty part"),
        ("1abc", "'1abc' is not an identifier"),
        ("ﬁle", "Python reads it as 'file'"),
    ],
)
def test_names_no_import_statement_can_spell_are_refused(name: str, fault: str) -> None:
    with pytest.raises(ValueError, match=fault):
        check_module_name(name)
