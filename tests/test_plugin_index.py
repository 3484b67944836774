"""The entry-point index (importcraft.entrypoints._index) against real installed distributions.

One virtual environment per test session (``python -m venv``), distributions installed and
removed in it with pip, offline, from wheels made here; every answer is compared with what
importlib.metadata gives over the same path.
"""

from __future__ import annotations

import importlib.metadata as md
import json
import os
import shutil
import subprocess
import sys
import time
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from importcraft.core._errors import ImportcraftWarning
from importcraft.entrypoints import _index as ix

from .conftest import run_python

GROUP = "importcraft.tests.plugins"
OTHER = "importcraft.tests.other"
SRC = str(Path(__file__).resolve().parents[1] / "src")


def make_wheel(
    directory: Path,
    name: str,
    version: str,
    entry_points: dict[str, dict[str, str]] | None = None,
    extra: dict[str, str] | None = None,
    with_module: bool = True,
) -> Path:
    """A minimal wheel: a module, its .dist-info, optional entry points and other files."""
    module = name.replace("-", "_")
    info = f"{module}-{version}.dist-info"
    files = {f"{module}.py": f"VERSION = {version!r}\n"} if with_module else {}
    files |= {
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
        **(extra or {}),
    }
    if entry_points:
        files[f"{info}/entry_points.txt"] = "".join(
            f"[{group}]\n" + "".join(f"{key} = {value}\n" for key, value in names.items()) + "\n"
            for group, names in entry_points.items()
        )
    files[f"{info}/RECORD"] = "".join(f"{path},,\n" for path in files) + f"{info}/RECORD,,\n"
    path = directory / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in files.items():
            archive.writestr(member, text)
    return path


class Venv:
    def __init__(self, root: Path, wheels: Path) -> None:
        self.root = root
        self.wheels = wheels
        self.python = str(root / "bin" / "python")
        self.site = subprocess.run(
            [self.python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    def pip(self, *args: str) -> None:
        # pip of this interpreter acting on the venv (``--python``): the same install code,
        # without bootstrapping pip into the venv.
        command = [sys.executable, "-m", "pip", "--python", self.python, "--quiet"]
        command += ["--disable-pip-version-check", *args]
        subprocess.run(command, check=True, capture_output=True, timeout=300)

    def install(self, *wheels: Path) -> None:
        self.pip("install", "--no-index", "--no-deps", *map(str, wheels))

    def uninstall(self, *names: str) -> None:
        self.pip("uninstall", "--yes", *names)


@pytest.fixture(scope="session")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    pip = [sys.executable, "-m", "pip", "--version"]
    if subprocess.run(pip, capture_output=True, check=False).returncode:
        pytest.skip("pip is not installed in the test environment")
    base = tmp_path_factory.mktemp("index-venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(base / "venv")], check=True)
    wheels = base / "wheels"
    wheels.mkdir()
    env = Venv(base / "venv", wheels)
    env.install(
        make_wheel(wheels, "alpha", "1.0", {GROUP: {"a": "alpha:VERSION"}}),
        make_wheel(wheels, "beta-plugin", "2.0", {GROUP: {"b": "beta_plugin"}, OTHER: {"x": "y"}}),
        make_wheel(wheels, "gamma", "0.1"),
        make_wheel(wheels, "Delta.Thing", "3", {OTHER: {"d": "delta_thing:main"}}),
    )
    return env


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh cache directory, and nothing in this process's memory: as a new process."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("IMPORTCRAFT_CACHE_DIR", str(directory))
    ix.invalidate()
    yield directory
    ix.invalidate()


def reference(group: str, path: list[str]) -> list[tuple[str, ...]]:
    """What importlib.metadata.entry_points(group=...) gives over ``path``."""
    seen = set()
    result = []
    for dist in md.distributions(path=path):
        key = dist._normalized_name  # type: ignore[attr-defined]
        if key in seen:
            continue
        seen.add(key)
        for ep in dist.entry_points:
            if ep.group == group:
                where = str(dist._path)  # type: ignore[attr-defined]
                result.append(
                    (ep.group, ep.name, ep.value, dist.metadata["Name"], dist.version, where)
                )
    return result


def found(group: str, path: list[str]) -> list[tuple[str, ...]]:
    return [tuple(record) for record in ix.entry_points(group, path=path)]  # type: ignore[misc]


def wait_until_clean(*paths: str) -> None:
    """Sleep until everything under ``paths`` is older than the racy window."""
    newest = 0
    for path in paths:
        for root, dirs, files in os.walk(path):
            for name in [*dirs, *files, "."]:
                st = os.stat(os.path.join(root, name))
                newest = max(newest, st.st_mtime_ns, st.st_ctime_ns)
    delay = (newest + ix.RACY_NS - time.time_ns()) / 1e9 + 0.05
    if delay > 0:
        time.sleep(delay)


def test_the_same_entry_points_as_importlib_metadata(venv: Venv) -> None:
    path = [venv.site]
    for group in (GROUP, OTHER, "console_scripts", "no.such.group"):
        assert found(group, path) == reference(group, path)
    assert ix.groups(path=path) == sorted(
        {ep.group for dist in md.distributions(path=path) for ep in dist.entry_points}
    )
    assert sorted(r.name for r in ix.entry_points(GROUP, path=path)) == ["a", "b"]
    (record,) = [r for r in ix.entry_points(OTHER, path=path) if r.name == "x"]
    assert record._asdict()["dist"] == record.dist == "beta-plugin"
    assert record.version == "2.0"
    assert record.location is not None
    assert record.location.endswith("beta_plugin-2.0.dist-info")


def test_a_second_process_reads_the_index_file_and_no_metadata(venv: Venv, cache_dir: Path) -> None:
    path = [venv.site]
    writes = ix.index_info()["writes"]
    first = found(GROUP, path)
    assert ix.cache_file() == str(cache_dir / ix.FILE_NAME)
    assert os.path.isfile(ix.cache_file())
    assert ix.index_info()["writes"] == writes + 1  # type: ignore[operator]
    wait_until_clean(venv.site)
    ix.invalidate()
    assert found(GROUP, path) == first  # clean now: rewritten once marked clean
    ix.invalidate()
    before = ix.index_info()
    assert found(GROUP, path) == first
    after = ix.index_info()
    assert after["file_reads"] == before["file_reads"] + 1  # type: ignore[operator]
    assert after["metadata_reads"] == before["metadata_reads"]
    assert after["hits"] == before["hits"] + 1  # type: ignore[operator]


def test_install_upgrade_and_uninstall_are_seen_at_the_next_call(venv: Venv) -> None:
    path = [venv.site]
    before = found(GROUP, path)
    assert not any(r[1] == "fresh" for r in before)

    venv.install(make_wheel(venv.wheels, "fresh", "1.0", {GROUP: {"fresh": "fresh:one"}}))
    after_install = found(GROUP, path)
    assert after_install == reference(GROUP, path)
    assert ("fresh", "fresh:one", "1.0") in [(r[1], r[2], r[4]) for r in after_install]

    new = make_wheel(venv.wheels, "fresh", "2.0", {GROUP: {"fresh2": "fresh:two"}})
    venv.install(new)
    after_upgrade = found(GROUP, path)
    assert after_upgrade == reference(GROUP, path)
    names = [(r[1], r[2], r[4]) for r in after_upgrade]
    assert ("fresh2", "fresh:two", "2.0") in names
    assert not any(r[1] == "fresh" for r in after_upgrade)

    venv.uninstall("fresh")
    assert found(GROUP, path) == reference(GROUP, path) == before


def _uv() -> str:
    """The uv of the dev extras (beside this interpreter), else one on PATH."""
    beside = Path(sys.executable).parent / "uv"
    found_uv = str(beside) if beside.exists() else shutil.which("uv")
    if found_uv is None:
        pytest.fail("uv is in the dev extras (pip install -e '.[dev]'); it is not installed")
    return found_uv


def test_installs_by_uv_pip_are_seen_too(venv: Venv, tmp_path: Path) -> None:
    # uv links files out of its own cache (old mtimes, other inodes) and writes its own RECORD.
    env = {**os.environ, "UV_CACHE_DIR": str(tmp_path / "uv-cache"), "UV_NO_PROGRESS": "1"}

    def uv(*args: str) -> None:
        command = [_uv(), "pip", *args, "--python", venv.python]
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
        assert done.returncode == 0, done.stderr

    path = [venv.site]
    before = found(GROUP, path)
    uv(
        "install",
        "--offline",
        "--no-deps",
        str(make_wheel(venv.wheels, "viauv", "1.0", {GROUP: {"uv1": "viauv:one"}})),
    )
    assert found(GROUP, path) == reference(GROUP, path)
    assert ("uv1", "1.0") in [(r[1], r[4]) for r in found(GROUP, path)]
    upgraded = make_wheel(venv.wheels, "viauv", "2.0", {GROUP: {"uv2": "viauv:two"}})
    uv("install", "--offline", "--no-deps", str(upgraded))
    after_upgrade = found(GROUP, path)
    assert after_upgrade == reference(GROUP, path)
    assert ("uv2", "2.0") in [(r[1], r[4]) for r in after_upgrade]
    assert "uv1" not in [r[1] for r in after_upgrade]
    uv("uninstall", "viauv")
    assert found(GROUP, path) == reference(GROUP, path) == before


def test_a_change_is_seen_by_a_process_that_reads_a_clean_index(venv: Venv) -> None:
    """The index file written before a change never answers after it."""
    path = [venv.site]
    wait_until_clean(venv.site)
    found(GROUP, path)  # index written and clean
    ix.invalidate()
    venv.install(make_wheel(venv.wheels, "later", "1.0", {GROUP: {"later": "later:x"}}))
    assert found(GROUP, path) == reference(GROUP, path)
    assert "later" in [r[1] for r in found(GROUP, path)]
    venv.uninstall("later")
    ix.invalidate()
    assert "later" not in [r[1] for r in found(GROUP, path)]


def test_entry_points_txt_edited_in_place(venv: Venv) -> None:
    venv.install(make_wheel(venv.wheels, "edited", "1.0", {GROUP: {"e": "edited:one"}}))
    path = [venv.site]
    wait_until_clean(venv.site)
    assert ("e", "edited:one") in [(r[1], r[2]) for r in found(GROUP, path)]
    target = Path(venv.site) / "edited-1.0.dist-info" / "entry_points.txt"
    inode = target.stat().st_ino
    for value in ("edited:two", "edited:six"):  # the same size, twice within one second
        with open(target, "r+") as stream:  # in place: the same inode, no directory change
            text = stream.read().replace("edited:one", value).replace("edited:two", value)
            stream.seek(0)
            stream.write(text)
        assert target.stat().st_ino == inode
        assert ("e", value) in [(r[1], r[2]) for r in found(GROUP, path)]
        assert found(GROUP, path) == reference(GROUP, path)
        ix.invalidate()
        assert ("e", value) in [(r[1], r[2]) for r in found(GROUP, path)]
    # the version, edited in place in METADATA
    metadata = target.parent / "METADATA"
    metadata.write_text(metadata.read_text().replace("Version: 1.0", "Version: 1.5"))
    assert ("e", "1.5") in [(r[1], r[4]) for r in found(GROUP, path)]
    assert found(GROUP, path) == reference(GROUP, path)
    venv.uninstall("edited")


def test_an_entry_points_txt_added_to_a_distribution_without_one(venv: Venv) -> None:
    venv.install(make_wheel(venv.wheels, "plain", "1.0"))
    path = [venv.site]
    wait_until_clean(venv.site)
    assert "p" not in [r[1] for r in found(GROUP, path)]
    ix.invalidate()
    found(GROUP, path)  # from the clean file
    (Path(venv.site) / "plain-1.0.dist-info" / "entry_points.txt").write_text(
        f"[{GROUP}]\np = plain:VERSION\n"
    )
    assert ("p", "plain:VERSION") in [(r[1], r[2]) for r in found(GROUP, path)]
    assert found(GROUP, path) == reference(GROUP, path)
    venv.uninstall("plain")  # leaves the file it did not install, in the .dist-info
    shutil.rmtree(Path(venv.site) / "plain-1.0.dist-info")
    assert "p" not in [r[1] for r in found(GROUP, path)]


def test_an_editable_install_whose_code_lives_elsewhere(venv: Venv, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "editme.py").write_text("def hello():\n    return 'editable'\n")
    wheel = make_wheel(
        venv.wheels,
        "editme",
        "0.1",
        {GROUP: {"editme": "editme:hello"}},
        extra={"__editable__.editme-0.1.pth": f"{project}\n"},
        with_module=False,
    )
    venv.install(wheel)
    try:
        code = f"""
            import importlib.metadata as md, json, sys
            sys.path.insert(0, {SRC!r})
            from importcraft.entrypoints._index import entry_points
            mine = [list(r) for r in entry_points({GROUP!r})]
            theirs = [[e.group, e.name, e.value] for e in md.entry_points(group={GROUP!r})]
            loaded = [e.load()() for e in md.entry_points(group={GROUP!r}) if e.name == "editme"]
            print(json.dumps([mine, theirs, loaded, {str(project)!r} in sys.path]))
        """
        env = {**os.environ, "PYTHONPATH": "", "IMPORTCRAFT_CACHE_DIR": str(tmp_path / "c")}
        result = subprocess.run(
            [venv.python, "-c", __import__("textwrap").dedent(code)],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        mine, theirs, loaded, on_path = json.loads(result.stdout)
        assert [r[:3] for r in mine] == theirs
        assert ["importcraft.tests.plugins", "editme", "editme:hello"] in theirs
        assert loaded == ["editable"]
        assert on_path
    finally:
        venv.uninstall("editme")


def test_a_corrupt_or_foreign_index_file_is_rebuilt(venv: Venv, cache_dir: Path) -> None:
    path = [venv.site]
    good = found(GROUP, path)
    blob = Path(ix.cache_file()).read_bytes()
    assert b"alpha:VERSION" in blob
    wrong = [
        blob[: len(blob) // 2],  # truncated
        b"not an index at all",
        blob.replace(b"index 2", b"index 1", 1),  # another format version
        blob.replace(b"alpha:VERSION", b"alpha:VERSIOM"),  # damaged: the checksum catches it
        blob[:-1] + b"?",  # the same, in the last byte
    ]
    for content in wrong:
        assert len(content) != len(blob) or content != blob
        Path(ix.cache_file()).write_bytes(content)
        ix.invalidate()
        rejected = ix.index_info()["rejected"]
        assert found(GROUP, path) == good
        assert ix.index_info()["rejected"] == rejected + 1  # type: ignore[operator]
        assert Path(ix.cache_file()).read_bytes().startswith(b"importcraft entry-point index 2")
    # and nothing of the damaged files was used
    assert all(r[2] != "alpha:VERSIOM" for r in found(GROUP, path))


def test_the_cache_directory_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, venv: Venv
) -> None:
    monkeypatch.setenv("IMPORTCRAFT_CACHE_DIR", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert ix.cache_file() == str(tmp_path / "explicit" / ix.FILE_NAME)
    monkeypatch.delenv("IMPORTCRAFT_CACHE_DIR")
    assert ix.cache_file() == str(tmp_path / "xdg" / "importcraft" / ix.FILE_NAME)
    found(GROUP, [venv.site])
    assert (tmp_path / "xdg" / "importcraft" / ix.FILE_NAME).is_file()
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert ix.cache_file() == str(tmp_path / "home" / ".cache" / "importcraft" / ix.FILE_NAME)
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")  # the XDG spec: absolute only
    assert ix.cache_file() == str(tmp_path / "home" / ".cache" / "importcraft" / ix.FILE_NAME)


def test_an_unwritable_cache_directory_warns_once_and_answers_right(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, venv: Venv
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("IMPORTCRAFT_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setattr(ix, "_warned_write", False)
    path = [venv.site]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert found(GROUP, path) == reference(GROUP, path)
        ix.invalidate()
        assert found(GROUP, path) == reference(GROUP, path)
    messages = [str(w.message) for w in caught if issubclass(w.category, ImportcraftWarning)]
    assert len(messages) == 1
    assert str(blocker / "cache") in messages[0]
    assert "IMPORTCRAFT_CACHE_DIR" in messages[0]


def test_zip_archives_and_egg_info_on_the_path(tmp_path: Path) -> None:
    archive = tmp_path / "plugins.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("zipped-1.0.dist-info/METADATA", "Name: zipped\nVersion: 1.0\n\n")
        zf.writestr("zipped-1.0.dist-info/entry_points.txt", f"[{GROUP}]\nz = zipped:z\n")
        zf.writestr("zipped.py", "z = 1\n")
    legacy = tmp_path / "legacy"
    (legacy / "Old_Thing.egg-info").mkdir(parents=True)
    (legacy / "Old_Thing.egg-info" / "PKG-INFO").write_text(
        "Metadata-Version: 1.1\nName: Old-Thing\nVersion: 0.9\n"
    )
    (legacy / "Old_Thing.egg-info" / "entry_points.txt").write_text(
        f"# comment\n[{GROUP}]\n  old =  old_thing:main  \n[{OTHER}]\nx=y\n"
    )
    path = [str(archive), str(legacy), str(tmp_path / "missing")]
    mine = found(GROUP, path)
    theirs = [r[:5] for r in reference(GROUP, path[1:])]
    assert [r[:5] for r in mine] == [(GROUP, "z", "zipped:z", "zipped", "1.0"), *theirs]
    assert theirs == [(GROUP, "old", "old_thing:main", "Old-Thing", "0.9")]
    # a line without "=" (importlib.metadata raises for the whole environment) is skipped
    with open(legacy / "Old_Thing.egg-info" / "entry_points.txt", "a") as stream:
        stream.write(f"[{GROUP}]\nbroken line\n")
    assert [r[:5] for r in found(GROUP, path)] == [r[:5] for r in mine]
    # a rewritten archive is read again
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("zipped-1.1.dist-info/METADATA", "Name: zipped\nVersion: 1.1\n\n")
    assert [r[:5] for r in found(GROUP, path)] == theirs


def test_the_warm_path_imports_no_metadata_machinery(venv: Venv, cache_dir: Path) -> None:
    code = f"""
        import sys
        from importcraft.entrypoints._index import entry_points, index_info
        records = entry_points({GROUP!r}, path=[{venv.site!r}])
        heavy = ["importlib.metadata", "email", "zipfile", "csv", "json", "typing", "re"]
        print([r.name for r in records], index_info()["hits"],
              [name for name in heavy if name in sys.modules])
    """
    env = {"IMPORTCRAFT_CACHE_DIR": str(cache_dir)}
    # Not measured: the suite's coverage.py loads json, typing and re into every child it measures.
    unmeasured = tuple(k for k in os.environ if k.startswith("COVERAGE_"))
    first = run_python(code, env=env, unset=unmeasured)
    assert first.returncode == 0, first.stderr
    wait_until_clean(venv.site)
    run_python(code, env=env, unset=unmeasured)  # marks the index clean
    warm = run_python(code, env=env, unset=unmeasured)
    assert warm.returncode == 0, warm.stderr
    assert sorted(warm.stdout.split("] ")[0][1:].split(", ")) == ["'a'", "'b'"]
    assert warm.stdout.strip().endswith("1 []"), warm.stdout


def test_the_real_sys_path_of_the_venv(venv: Venv, tmp_path: Path) -> None:
    """In the venv's own interpreter, with its own sys.path: what importlib.metadata says."""
    code = f"""
        import importlib.metadata as md, json, sys
        sys.path.append({SRC!r})
        from importcraft.entrypoints._index import entry_points, groups
        out = {{}}
        for group in groups():
            mine = [list(r) for r in entry_points(group)]
            theirs = [[e.group, e.name, e.value, e.dist.metadata["Name"], e.dist.version,
                       str(e.dist._path)] for e in md.entry_points(group=group)]
            out[group] = mine == theirs
        print(json.dumps(out))
    """
    env = {**os.environ, "PYTHONPATH": "", "IMPORTCRAFT_CACHE_DIR": str(tmp_path / "c")}
    for _ in range(2):  # built, then from the file
        result = subprocess.run(
            [venv.python, "-c", __import__("textwrap").dedent(code)],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        outcome = json.loads(result.stdout)
        assert all(outcome.values()), outcome
        assert GROUP in outcome


def test_the_first_distribution_of_a_normalised_name_wins(tmp_path: Path) -> None:
    for folder, info, version in (
        ("one", "Foo.Bar-1.0.dist-info", "1.0"),
        ("two", "foo__bar-2.0.dist-info", "2.0"),
        ("two", "other-1.0.dist-info", "1.0"),
    ):
        directory = tmp_path / folder / info
        directory.mkdir(parents=True)
        name = info.partition("-")[0]
        (directory / "METADATA").write_text(f"Name: {name}\nVersion: {version}\n\n")
        (directory / "entry_points.txt").write_text(f"[{GROUP}]\n{name} = mod:{folder}\n")
    path = [str(tmp_path / "one"), str(tmp_path / "two")]
    assert found(GROUP, path) == reference(GROUP, path)
    assert [(r[1], r[4]) for r in found(GROUP, path)] == [("Foo.Bar", "1.0"), ("other", "1.0")]


def test_a_record_behaves_as_a_named_tuple() -> None:
    import pickle

    record = ix.EntryPointRecord("g", "n", "m:a", "dist", "1.0", "/x/dist-1.0.dist-info")
    assert (record.group, record.name, record.value) == ("g", "n", "m:a")
    assert record._asdict()["version"] == "1.0"
    assert record._replace(version="2.0").version == "2.0"
    assert pickle.loads(pickle.dumps(record)) == record
    assert repr(record).startswith("EntryPointRecord(group='g', name='n'")
    with pytest.raises(ValueError, match="no fields"):
        record._replace(colour="red")
    with pytest.raises(TypeError, match="takes 6 fields, got 2"):
        ix.EntryPointRecord._make(("g", "n"))
