"""The layering of the loyalty code holds: read from the source with `ast`, no imports run.

- Single-ledger services (points, wallet, packages, coupons) write one ledger each and never
  call each other; flows that touch several ledgers live one layer above them
  (loyalty.flows, and checkout in loyalty.services.checkout).
- Nothing dodges an import cycle by importing inside a function: every import is at the top
  of its module, except the few listed below with the reason Django needs them there.
- With every import at the top, the modules' import graph has no cycle.
"""

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCANNED_APPS = ("loyalty", "membership")

SINGLE_LEDGER = (
    "loyalty.services.points",
    "loyalty.services.wallet",
    "loyalty.services.packages",
    "loyalty.services.coupons",
)
SHARED_BY_LEDGERS = "loyalty.services._base"  # parsing, provenance, idempotency helpers
FLOW_LAYER = ("loyalty.flows", "loyalty.services.checkout")
TASKS = "loyalty.tasks"
# Entry points run flows the way views do; nothing below them may import them.
ENTRY_POINTS = (TASKS, "loyalty.management")

# (module, function, imported module) -> why the import cannot be at the top of the module.
ALLOWED_IMPORTS_IN_FUNCTIONS = {
    ("membership.apps", "_sync_roles", "membership.services.roles"): (
        "apps.py is imported while the app registry is loading, before any model can be "
        "imported; this post_migrate handler imports the roles service (and its models) "
        "when the signal fires, after the registry is ready"
    ),
}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    function: str  # the enclosing function ("" at module level)
    targets: tuple[str, ...]  # the modules it names (for `from a import b`: a and a.b)
    line: int


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _source_files() -> Iterator[Path]:
    for app in SCANNED_APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.relative_to(ROOT).parts:
                yield path


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> tuple[str, ...]:
    if isinstance(node, ast.Import):
        return tuple(alias.name for alias in node.names)
    base = node.module or ""
    if node.level:  # relative: resolve against the importing module's package
        package = module if is_package else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{base}" if base else package
    return (base, *(f"{base}.{alias.name}" for alias in node.names))


def _imports(path: Path) -> Iterator[Import]:
    module = _module_name(path)
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(), filename=str(path))

    def visit(node: ast.AST, function: str) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                targets = _targets(child, module, is_package)
                yield Import(module, function, targets, child.lineno)
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                name = getattr(child, "name", "<lambda>")
                yield from visit(child, f"{function}.{name}" if function else name)
            else:
                yield from visit(child, function)

    yield from visit(tree, "")


ALL_IMPORTS = [imp for path in _source_files() for imp in _imports(path)]
MODULES = {_module_name(path) for path in _source_files()}


def _is(target: str, module: str) -> bool:
    """True when `target` is `module` or something inside it."""
    return target == module or target.startswith(module + ".")


def _where(imp: Import) -> str:
    return f"{imp.module}:{imp.line}" + (f" (in {imp.function})" if imp.function else "")


def _listed(problem: str, found: list[str]) -> str:
    return "\n".join([problem, *found])


def _offending(imports: list[Import], wrong_target) -> list[str]:
    """One line per import statement that names a module `wrong_target` refuses."""
    return [
        f"{_where(imp)}: {target}"
        for imp in imports
        if (target := next((t for t in imp.targets if wrong_target(t)), None))
    ]


def _allowed_in_function(imp: Import, target: str) -> bool:
    return (imp.module, imp.function.split(".")[0], target) in ALLOWED_IMPORTS_IN_FUNCTIONS


def test_the_scan_sees_the_code_it_guards():
    for module in (*SINGLE_LEDGER, SHARED_BY_LEDGERS, "loyalty.flows", TASKS, "membership.apps"):
        assert module in MODULES
    assert any(imp.module == "loyalty.services.wallet" for imp in ALL_IMPORTS)


def test_no_import_is_hidden_inside_a_function():
    hidden = [
        f"{_where(imp)}: {target}"
        for imp in ALL_IMPORTS
        if imp.function
        for target in imp.targets[:1]
        if not _allowed_in_function(imp, target)
    ]
    assert not hidden, _listed(
        "Imports inside functions hide the real dependencies (and cycles). Import at the top "
        "of the module; if that makes a cycle, the code is in the wrong layer.",
        hidden,
    )


def test_every_allowed_function_import_is_still_needed():
    used = {
        (imp.module, imp.function.split(".")[0], imp.targets[0])
        for imp in ALL_IMPORTS
        if imp.function
    }
    assert set(ALLOWED_IMPORTS_IN_FUNCTIONS) <= used


def test_single_ledger_services_import_no_other_service_no_flow_and_no_task():
    def wrong_target(target: str) -> bool:
        other_service = (
            _is(target, "loyalty.services")
            and target != "loyalty.services"
            and not _is(target, SHARED_BY_LEDGERS)
        )
        flow = any(_is(target, upper) for upper in FLOW_LAYER)
        return other_service or flow or _is(target, TASKS)

    wrong = _offending([imp for imp in ALL_IMPORTS if imp.module in SINGLE_LEDGER], wrong_target)
    assert not wrong, _listed(
        "A single-ledger service writes one ledger and calls no other service: move what "
        "composes ledgers (or queues a task) into a flow in loyalty.flows.",
        wrong,
    )


def test_only_flows_and_entry_points_import_flows():
    below = [
        imp
        for imp in ALL_IMPORTS
        if not any(_is(imp.module, upper) for upper in (*FLOW_LAYER, *ENTRY_POINTS))
    ]
    wrong = _offending(below, lambda target: _is(target, "loyalty.flows"))
    assert not wrong, _listed("Flows sit above services, selectors and models.", wrong)


def test_nothing_in_the_apps_imports_the_scheduled_tasks():
    others = [imp for imp in ALL_IMPORTS if not _is(imp.module, TASKS)]
    wrong = _offending(others, lambda target: _is(target, TASKS))
    assert not wrong, _listed("Tasks that flows queue belong in loyalty.notifications.", wrong)


def _import_graph() -> dict[str, set[str]]:
    """Module -> the scanned modules it imports at its top (the import's own module, or the
    submodule for `from package import submodule`)."""
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for imp in ALL_IMPORTS:
        if imp.function:
            continue
        named = [t for t in imp.targets[1:] if t in MODULES] or [imp.targets[0]]
        graph[imp.module].update(t for t in named if t in MODULES and t != imp.module)
    return graph


def _a_cycle(graph: dict[str, set[str]]) -> list[str]:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def walk(module: str) -> list[str]:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := walk(target)):
                return cycle
        path.pop()
        state[module] = 2
        return []

    for module in sorted(graph):
        if module not in state and (cycle := walk(module)):
            return cycle
    return []


def test_the_modules_import_each_other_without_a_cycle():
    cycle = _a_cycle(_import_graph())
    assert not cycle, "Import cycle: " + " -> ".join(cycle)


def test_the_cycle_check_finds_a_cycle():
    assert _a_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
