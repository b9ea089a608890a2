"""crypto/ is a library: it imports nothing of the app or web stack and reads no environment."""

import ast
from pathlib import Path

import crypto

FORBIDDEN_IMPORTS = {"flask", "sqlalchemy", "wtforms", "intake", "jinja2", "werkzeug", "os.environ"}
SOURCES = sorted(Path(crypto.__file__).parent.glob("*.py"))


def _imported_modules(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_crypto_imports_no_app_or_web_module():
    for source in SOURCES:
        tree = ast.parse(source.read_text())
        roots = {name.split(".")[0] for name in _imported_modules(tree)}
        assert not roots & FORBIDDEN_IMPORTS, source.name


def test_crypto_reads_no_environment():
    for source in SOURCES:
        tree = ast.parse(source.read_text())
        names = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        names |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        assert not names & {"environ", "getenv", "environb"}, source.name


def test_every_public_object_has_a_docstring():
    for name in crypto.__all__:
        assert getattr(crypto, name).__doc__, name
