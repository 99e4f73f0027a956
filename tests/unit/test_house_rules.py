"""The layers of docs/architecture.md, held against the code's own imports.

Every ``import`` of a ``workshop`` module counts, also one inside a function: such an import
still ties the two modules together, and the import circles the layers once had hid there.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "workshop"

# Imports point down this list (docs/architecture.md, "The layers"); a module may import its
# own layer and any below it. web and api are siblings: neither imports the other.
LAYERS: list[tuple[str, ...]] = [
    ("workshop",),  # create_app wires everything below
    ("workshop.web", "workshop.api"),
    ("workshop.ratelimit", "workshop.downloads"),
    ("workshop.pdf", "workshop.cli"),
    ("workshop.error_responses",),
    ("workshop.services",),
    ("workshop.models",),
    (
        "workshop.thai",
        "workshop.qr",
        "workshop.config",
        "workshop.extensions",
        "workshop.prefork",
    ),
]
SIBLINGS = {("workshop.web", "workshop.api"), ("workshop.api", "workshop.web")}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for path in sorted(PACKAGE.rglob("*.py"))
        if "migrations" not in path.parts
    }


def imported(path: Path, known: dict[str, Path]) -> Iterator[str]:
    """The ``workshop`` modules that ``path`` imports, anywhere in the file."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path.parent / "x")
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the importing module's package
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            # ``from workshop.services import registrations`` imports the submodule.
            names = [f"{base}.{alias.name}" for alias in node.names]
            if any(name not in known for name in names):
                names.append(base)  # and names from the package or module itself
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name.startswith("workshop"):
                yield name


def within(name: str, package: str) -> bool:
    return name.startswith(package + ".")


def graph() -> dict[str, set[str]]:
    """Module -> the modules it imports. A module that takes its subpackage's blueprint from
    the subpackage's ``__init__`` (which imports its modules to register their routes) is
    not counted as tied back to it: that is how a Flask package is put together."""
    known = modules()
    return {
        name: {
            target
            for target in imported(path, known)
            if target != name and not (target != "workshop" and within(name, target))
        }
        for name, path in known.items()
    }


def layer(name: str) -> tuple[int, str]:
    """The layer a module belongs to (its longest matching prefix) and that prefix."""
    best = (-1, "")
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > len(best[1]):
                best = (index, prefix)
    assert best[0] >= 0, f"{name} is in no layer of the architecture"
    return best


def test_the_package_is_read():
    edges = graph()
    assert "workshop.services.registrations" in edges
    assert "workshop.services.notifications" in edges["workshop.services.registrations"]
    # An import inside a function counts too.
    assert "workshop.services.line_accounts" in edges["workshop.services.notifications"]


def test_imports_point_down_the_layers():
    upward = []
    for source, targets in graph().items():
        source_layer, source_prefix = layer(source)
        for target in targets:
            target_layer, target_prefix = layer(target)
            if target_layer < source_layer or (source_prefix, target_prefix) in SIBLINGS:
                upward.append(f"{source} -> {target}")
    assert upward == [], "\n".join(upward)


def test_no_modules_import_each_other_in_a_circle():
    edges = graph()
    circles = []
    # Tarjan's strongly connected components, iteratively.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    counter = 0
    for root in edges:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    circles.append(sorted(component))
    assert circles == [], "\n".join(" <-> ".join(c) for c in circles)


def test_transactions_end_in_one_module_only():
    """Writes commit in ``write_transaction`` and nothing else commits or rolls back
    (``end_transaction`` is the one other way a transaction ends)."""
    calls = []
    for name, path in modules().items():
        if name == "workshop.services.transactions":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"commit", "rollback"}
            ):
                calls.append(f"{name}:{node.lineno} {node.func.attr}()")
    assert calls == [], "\n".join(calls)
