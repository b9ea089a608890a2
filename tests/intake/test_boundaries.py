"""Dependency direction: only services (and the key vault) touch crypto."""

import ast
from pathlib import Path

import intake

PACKAGE = Path(intake.__file__).parent
NO_CRYPTO = ("models.py", "routes.py", "forms.py", "cli.py", "db.py", "web.py", "__init__.py")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_web_cli_and_models_never_import_crypto():
    checked = [path for path in PACKAGE.rglob("*.py") if path.name in NO_CRYPTO]
    assert len(checked) >= 8
    for path in checked:
        assert "crypto" not in _imports(path), path.relative_to(PACKAGE)


def test_models_know_nothing_of_flask():
    for path in PACKAGE.rglob("models.py"):
        assert not _imports(path) & {"flask", "flask_wtf", "crypto"}, path
