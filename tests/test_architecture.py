"""DESIGN §1 checked by parsing the source (nothing here imports the modules it checks).

* Pure modules import nothing from flask, flask_*, werkzeug or wiki.extensions — directly or through
  another wiki module they import (a pure module may use another pure module, not a Flask one).
* No module under wiki/ is long enough to hide several responsibilities.
* No module under wiki/ calls flask.abort: services raise DomainError instead.
"""

import ast
import warnings
from collections import deque
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PURE = [
    "wiki/rendering.py",
    "wiki/plaintext.py",
    "wiki/sanitiser.py",
    "wiki/auth/permissions.py",
    "wiki/auth/lockout.py",
    "wiki/auth/perspectives.py",
    "wiki/documents/revisions.py",
    "wiki/documents/merge.py",
    "wiki/documents/attribution.py",
    "wiki/documents/diffcore.py",
    "wiki/documents/tokendiff.py",
    "wiki/documents/likeness.py",
    "wiki/documents/text.py",
    "wiki/documents/pagecache.py",
    "wiki/realtime/awareness.py",
    "wiki/realtime/directsend.py",
    "wiki/realtime/ratelimit.py",
    "wiki/comments/rules.py",
    "wiki/comments/blocks.py",
    "wiki/comments/selection.py",
    "wiki/publishing/sections.py",
    "wiki/publishing/changes.py",
    "wiki/publishing/provenance.py",
    "wiki/awareness/audience.py",
    "wiki/awareness/mentions.py",
    "wiki/awareness/batching.py",
    "wiki/awareness/atom.py",
    "wiki/awareness/briefing.py",
    "wiki/privacy/registry.py",
    "wiki/consultations/report.py",
    "wiki/consultations/charts.py",
    "wiki/search/text.py",
    "wiki/search/query.py",
    "wiki/search/highlight.py",
    "wiki/search/spelling.py",
    "wiki/search/entries.py",
    "wiki/search/backend.py",
    "wiki/search/index.py",
    "wiki/search/whoosh_query.py",
    "wiki/search/indexer.py",
]
PURE_ANYWHERE = ("ydoc.py", "anchoring.py", "lifecycle.py", "edition.py")

LINES_WARN = 400
LINES_FAIL = 600


def pure_modules(root: Path = ROOT) -> list[str]:
    found = {path for path in PURE if (root / path).is_file()}
    for name in PURE_ANYWHERE:
        found |= {str(path.relative_to(root)) for path in (root / "wiki").rglob(name)}
    return sorted(found)


def wiki_modules(root: Path = ROOT) -> list[Path]:
    return sorted(path for path in (root / "wiki").rglob("*.py") if "__pycache__" not in path.parts)


# --- import graph ----------------------------------------------------------------------------------


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_file(name: str, root: Path) -> Path | None:
    base = root.joinpath(*name.split("."))
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    return None


def imported_names(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, dotted module) for every import in the file, including ones inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - (node.level - 1)])
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                if is_forbidden(source) or alias.name == "*":
                    found.append((node.lineno, source))
                elif module_file(submodule, root) or is_forbidden(submodule):
                    found.append((node.lineno, submodule))  # from wiki.documents import revisions
                else:
                    found.append((node.lineno, source))
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and (
                (isinstance(node.func, ast.Name) and node.func.id == "__import__")
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
            )
        ):
            found.append((node.lineno, node.args[0].value))
    return list(dict.fromkeys(found))  # `from flask import a, b` is one problem, not two


def is_forbidden(name: str) -> bool:
    top = name.split(".")[0]
    return (
        top in {"flask", "werkzeug"}
        or top.startswith("flask_")
        or name == "wiki.extensions"
        or name.startswith("wiki.extensions.")
    )


def _wiki_dependencies(name: str) -> list[str]:
    """A wiki module, plus the subpackages Python runs on the way (not wiki/__init__, the factory)."""
    parts = name.split(".")
    packages = [".".join(parts[:i]) for i in range(2, len(parts))]
    return [*packages, name]


def flask_violations(start: str, root: Path = ROOT) -> list[str]:
    """Every forbidden import reachable from `start` through wiki modules, with the chain that leads to it."""
    start_path = root / start
    queue = deque([(start_path, [start])])
    seen = {start_path}
    problems = []
    while queue:
        path, chain = queue.popleft()
        for line, name in imported_names(path, root):
            where = " → ".join(chain)
            if is_forbidden(name):
                problems.append(f"{where}:{line} imports {name}")
                continue
            if name.split(".")[0] != "wiki":
                continue
            for dependency in _wiki_dependencies(name):
                target = module_file(dependency, root)
                if target is not None and target not in seen:
                    seen.add(target)
                    queue.append((target, [*chain, str(target.relative_to(root))]))
    return problems


@pytest.mark.parametrize("module", pure_modules())
def test_pure_module_imports_no_flask(module):
    problems = flask_violations(module)
    assert problems == [], "pure module depends on Flask:\n" + "\n".join(problems)


def test_the_baseline_pure_modules_exist():
    assert {"wiki/rendering.py", "wiki/auth/permissions.py", "wiki/auth/lockout.py"} <= set(pure_modules())


def _write(root: Path, files: dict[str, str]) -> None:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)


def test_checker_follows_imports_transitively(tmp_path):
    _write(
        tmp_path,
        {
            "wiki/__init__.py": "from flask import Flask\n",
            "wiki/auth/__init__.py": "",
            "wiki/auth/permissions.py": "from . import helpers\nfrom wiki.auth.clean import ok\n",
            "wiki/auth/helpers.py": "def f():\n    from ..errors import DomainError\n",
            "wiki/auth/clean.py": "import re\nok = 1\n",
            "wiki/errors.py": "from werkzeug.exceptions import HTTPException\n",
            "wiki/auth/lockout.py": "from wiki import extensions\n",
            "wiki/rendering.py": (
                "from wiki.auth import clean\nimport importlib\nimportlib.import_module('flask_login')\n"
            ),
            "wiki/documents/__init__.py": "import flask\n",
            "wiki/documents/merge.py": "from wiki.auth.clean import ok\n",
            "wiki/documents/revisions.py": "from wiki.documents.merge import ok\n",
        },
    )
    assert flask_violations("wiki/auth/permissions.py", tmp_path) == [
        "wiki/auth/permissions.py → wiki/auth/helpers.py → wiki/errors.py:1 imports werkzeug.exceptions"
    ]
    assert flask_violations("wiki/auth/lockout.py", tmp_path) == ["wiki/auth/lockout.py:1 imports wiki.extensions"]
    assert flask_violations("wiki/rendering.py", tmp_path) == ["wiki/rendering.py:3 imports flask_login"]
    assert flask_violations("wiki/documents/revisions.py", tmp_path) == [
        "wiki/documents/revisions.py → wiki/documents/__init__.py:1 imports flask"
    ]
    assert flask_violations("wiki/auth/clean.py", tmp_path) == []


# --- size ------------------------------------------------------------------------------------------


def test_no_module_is_too_long(capsys):
    lengths = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines()) for path in wiki_modules()
    }
    long = {name: count for name, count in lengths.items() if count > LINES_WARN}
    if long:
        message = f"modules over {LINES_WARN} lines (split them soon): " + ", ".join(
            f"{name} ({count})" for name, count in sorted(long.items())
        )
        print(message)
        warnings.warn(message, stacklevel=1)
    too_long = {name: count for name, count in long.items() if count > LINES_FAIL}
    assert too_long == {}, f"modules over {LINES_FAIL} lines: {too_long}"


# --- abort -----------------------------------------------------------------------------------------


def abort_calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in {"flask", "werkzeug"}:
            found += [f"line {node.lineno}: imports abort" for alias in node.names if alias.name == "abort"]
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "abort"
            and isinstance(node.value, ast.Name)
            and node.value.id in {"flask", "werkzeug", "exceptions"}
        ):
            found.append(f"line {node.lineno}: {node.value.id}.abort")
    return found


def test_no_module_calls_flask_abort():
    problems = {str(path.relative_to(ROOT)): calls for path in wiki_modules() if (calls := abort_calls(path))}
    assert problems == {}, "raise a DomainError (wiki/errors.py) instead of abort()"


def test_abort_checker_finds_both_spellings(tmp_path):
    one = tmp_path / "one.py"
    one.write_text("from flask import abort as stop\n")
    two = tmp_path / "two.py"
    two.write_text("import flask\n\ndef view():\n    flask.abort(404)\n")
    three = tmp_path / "three.py"
    three.write_text("from wiki.errors import NotFound\n\ndef view():\n    raise NotFound('x')\n")
    assert abort_calls(one) == ["line 1: imports abort"]
    assert abort_calls(two) == ["line 4: flask.abort"]
    assert abort_calls(three) == []
