"""intake/names is pure: no Flask, no database, no keys, nothing else of the app."""

import ast
import sys
from pathlib import Path

import intake.names

PACKAGE = Path(intake.names.__file__).parent
ALLOWED = {"anyascii", "pypinyin", "rapidfuzz", "umsc"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_package_imports_only_itself_the_standard_library_and_its_libraries():
    # Given every module of the package, When its imports are read,
    # Then each is the standard library, one of four libraries, or intake.names.
    modules = sorted(PACKAGE.glob("*.py"))
    assert len(modules) >= 9
    for path in modules:
        for name in _imports(path):
            top = name.split(".")[0]
            allowed = top in sys.stdlib_module_names or top in ALLOWED or top == "__future__"
            assert allowed or name.startswith("intake.names"), (path.name, name)
