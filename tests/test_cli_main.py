"""The ``importcraft`` command's own surface: help, version, unknown commands."""

from __future__ import annotations

import pytest

import importcraft
from importcraft.cli._main import main


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for command in ("run", "show", "explain", "report", "trace"):
        assert f"\n    {command} " in out, out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"importcraft {importcraft.__version__}"


@pytest.mark.parametrize("args", [[], ["frobnicate"]])
def test_no_or_unknown_command_is_a_usage_error(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: importcraft"), err
    if args:
        assert "invalid choice: 'frobnicate'" in err
