"""The eight packages of the real tier: what to import, what must be one object, a tiny real use.

Each snippet is Python source put into the generated program after the imports; it uses the
package through the name ``top`` is bound to (e.g. ``requests``) and the submodules in ``modules``
as attributes of it (``click.testing.CliRunner``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Package:
    top: str  # the import name (and the name lazy_mode, transform and alias are given)
    modules: tuple[str, ...]  # imported by the program: top first, then submodules it uses
    from_import: str  # a name for `from top import name` (the alias way)
    identity: tuple[tuple[str, str], ...]  # (expression, expression) that must be one object
    smoke: str  # a tiny real use; fails with an AssertionError (or the package's own error)


PACKAGES = [
    Package(
        top="requests",
        modules=("requests", "requests.models", "requests.structures"),
        from_import="Response",
        identity=(
            ("requests.Response", "requests.models.Response"),
            ("requests.PreparedRequest", "requests.models.PreparedRequest"),
            ("requests.HTTPError", "requests.exceptions.HTTPError"),
            ("type(prepared.headers)", "requests.structures.CaseInsensitiveDict"),
        ),
        smoke="""
prepared = requests.Request(
    "POST", "https://example.invalid/api", params={"q": "x"}, json={"a": 1}
).prepare()
assert isinstance(prepared, requests.PreparedRequest)
assert prepared.url == "https://example.invalid/api?q=x", prepared.url
assert prepared.headers["content-type"] == "application/json", prepared.headers
response = requests.Response()
response.status_code = 404
response.reason = "Not Found"
response.url = prepared.url
response._content = b'{"ok": false}'
response.encoding = "utf-8"
assert response.json() == {"ok": False} and not response.ok
try:
    response.raise_for_status()
except requests.exceptions.RequestException as exc:
    assert "404" in str(exc), exc
else:
    raise AssertionError("raise_for_status() did not raise for a 404")
""",
    ),
    Package(
        top="click",
        modules=("click", "click.testing", "click.core"),
        from_import="Command",
        identity=(
            ("click.Command", "click.core.Command"),
            ("type(hello)", "click.core.Command"),
            ("click.BadParameter", "click.exceptions.BadParameter"),
        ),
        smoke="""
@click.command()
@click.option("--count", default=1, type=int)
@click.argument("name")
def hello(count, name):
    for _ in range(count):
        click.echo(f"Hello {name}")

result = click.testing.CliRunner().invoke(hello, ["--count", "2", "Ada"])
assert result.exit_code == 0, (result.exit_code, result.output, result.exception)
assert result.output == "Hello Ada\\nHello Ada\\n", result.output
bad = click.testing.CliRunner().invoke(hello, ["--count", "x", "Ada"])
assert bad.exit_code == 2 and "Invalid value" in bad.output, bad.output
""",
    ),
    Package(
        top="attrs",
        modules=("attrs", "attrs.validators"),
        from_import="define",
        identity=(
            ("attrs.define", "__import__('attr')._next_gen.define"),
            (
                "attrs.exceptions.FrozenInstanceError",
                "__import__('attr').exceptions.FrozenInstanceError",
            ),
            ("type(attrs.fields(Point).x)", "__import__('attr')._make.Attribute"),
        ),
        smoke="""
@attrs.define
class Point:
    x: int = attrs.field(validator=attrs.validators.instance_of(int))
    y: int = 0

assert Point(1, 2) == Point(1, 2) and Point(1) != Point(2)
assert repr(Point(1, 2)).endswith("Point(x=1, y=2)"), repr(Point(1, 2))
assert attrs.asdict(Point(3)) == {"x": 3, "y": 0}
assert attrs.evolve(Point(1), y=5) == Point(1, 5)
try:
    Point("one")
except TypeError:
    pass
else:
    raise AssertionError("the validator did not reject a str")
""",
    ),
    Package(
        top="rich",
        modules=("rich", "rich.console", "rich.table"),
        from_import="print",
        identity=(
            ("rich.table.Text", "rich.text.Text"),
            ("type(console)", "rich.console.Console"),
            ("type(table)", "rich.table.Table"),
        ),
        smoke="""
import io
console = rich.console.Console(file=io.StringIO(), width=40, color_system=None)
table = rich.table.Table(title="Fruit")
table.add_column("name")
table.add_column("qty", justify="right")
table.add_row("apple", "3")
table.add_row("pear", "12")
console.print(table)
console.print("[bold]done[/bold]")
out = console.file.getvalue()
assert "Fruit" in out and "apple" in out and "12" in out, out
assert "done" in out and "[bold]" not in out, out
assert any(ch in out for ch in "┃│|"), out
""",
    ),
    Package(
        top="numpy",
        modules=("numpy", "numpy.linalg"),
        from_import="ndarray",
        identity=(
            ("numpy.ndarray", "numpy._core.multiarray.ndarray"),
            ("type(a)", "numpy.ndarray"),
            ("numpy.float64", "numpy._core.numerictypes.float64"),
            ("numpy.linalg.LinAlgError", "numpy.linalg._linalg.LinAlgError"),
        ),
        smoke="""
a = numpy.arange(10, dtype=numpy.float64).reshape(2, 5)
assert a.mean() == 4.5, a.mean()
assert a.dtype == numpy.dtype("float64") and a.sum(axis=0).tolist() == [5.0, 7.0, 9.0, 11.0, 13.0]
assert numpy.linalg.det(numpy.eye(3)) == 1.0
try:
    numpy.linalg.inv(numpy.zeros((2, 2)))
except numpy.linalg.LinAlgError:
    pass
else:
    raise AssertionError("inverting a singular matrix did not raise LinAlgError")
""",
    ),
    Package(
        top="pandas",
        modules=("pandas",),
        from_import="DataFrame",
        identity=(
            ("pandas.DataFrame", "pandas.core.frame.DataFrame"),
            ("pandas.Series", "pandas.core.series.Series"),
            ("type(df.groupby('k'))", "pandas.core.groupby.generic.DataFrameGroupBy"),
            ("type(totals)", "pandas.core.series.Series"),
        ),
        smoke="""
df = pandas.DataFrame({"k": ["a", "b", "a"], "v": [1, 2, 3]})
totals = df.groupby("k")["v"].sum()
assert totals.to_dict() == {"a": 4, "b": 2}, totals
assert str(df["v"].dtype) == "int64"
assert pandas.to_datetime(["2024-01-02"]).year.tolist() == [2024]
""",
    ),
    Package(
        top="sqlalchemy",
        modules=("sqlalchemy", "sqlalchemy.orm"),
        from_import="create_engine",
        identity=(
            ("sqlalchemy.Engine", "sqlalchemy.engine.base.Engine"),
            ("type(engine)", "sqlalchemy.engine.base.Engine"),
            ("sqlalchemy.orm.Session", "sqlalchemy.orm.session.Session"),
        ),
        smoke="""
engine = sqlalchemy.create_engine("sqlite://")

class Base(sqlalchemy.orm.DeclarativeBase):
    pass

class User(Base):
    __tablename__ = "users"
    id: sqlalchemy.orm.Mapped[int] = sqlalchemy.orm.mapped_column(primary_key=True)
    name: sqlalchemy.orm.Mapped[str]

Base.metadata.create_all(engine)
with sqlalchemy.orm.Session(engine) as session:
    session.add_all([User(name="ada"), User(name="bob")])
    session.commit()
    names = session.scalars(sqlalchemy.select(User.name).order_by(User.id)).all()
assert names == ["ada", "bob"], names
with engine.connect() as conn:
    assert conn.execute(sqlalchemy.text("select count(*) from users")).scalar() == 2
""",
    ),
    Package(
        top="matplotlib",
        modules=("matplotlib", "matplotlib.pyplot"),
        from_import="rcParams",
        identity=(
            ("type(fig)", "matplotlib.figure.Figure"),
            ("matplotlib.axes.Axes", "matplotlib.axes._axes.Axes"),
            ("type(ax)", "matplotlib.axes._axes.Axes"),
        ),
        smoke="""
import pathlib, tempfile
assert matplotlib.get_backend().lower() == "agg", matplotlib.get_backend()
fig, ax = matplotlib.pyplot.subplots()
ax.plot([0, 1, 2], [0, 1, 4], label="squares")
ax.legend()
png = pathlib.Path(tempfile.mkdtemp()) / "plot.png"
fig.savefig(png)
assert png.read_bytes()[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
matplotlib.pyplot.close(fig)
""",
    ),
]
