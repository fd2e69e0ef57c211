"""The package's modules import in layers: no module imports one that imports it back."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "densenet_lab"


def _is_type_checking(node: ast.AST) -> bool:
    test = getattr(node, "test", None) if isinstance(node, ast.If) else None
    return isinstance(test, ast.Name) and test.id == "TYPE_CHECKING" or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(path: Path) -> set[str]:
    """The densenet_lab modules ``path`` imports, at the top or inside functions."""
    here = path.relative_to(PACKAGE.parent).with_suffix("").parts
    package = here[:-1]  # the package that holds the module (for __init__.py: itself)
    found = set()
    tree = ast.parse(path.read_text())
    typing_only = {id(n) for block in ast.walk(tree) if _is_type_checking(block) for n in ast.walk(block)}
    for node in ast.walk(tree):
        if id(node) in typing_only:  # ``if TYPE_CHECKING:`` imports only for annotations, never at run time
            continue
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)]
            target = [*base, *(node.module.split(".") if node.module else [])]
            names = [target] if node.module else [[*target, a.name] for a in node.names]
            found.update(".".join(n) for n in names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("densenet_lab"))
    return found


def test_bench_experiments_and_cli_close_no_loop():
    """bench used cli's table and experiments used bench's provenance: both live in results."""
    modules = {p: _imports(p) for p in PACKAGE.rglob("*.py")}
    name = {p: ".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts) for p in modules}
    assert "densenet_lab.cli" not in modules[PACKAGE / "bench.py"]
    assert "densenet_lab.bench" not in modules[PACKAGE / "experiments.py"]
    lower = {"densenet_lab.results", "densenet_lab._checks"}
    for path, imported in modules.items():
        if name[path] in lower:
            assert not {m for m in imported if m.startswith("densenet_lab.")} - lower, name[path]


def test_no_function_in_the_package_is_long():
    """Issue 14: every function fits on a screen (about 60 lines, docstring included),
    so a reader follows each one whole."""
    package = PACKAGE
    long = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > 66:
                    long.append(f"{path.relative_to(package)}:{node.lineno} {node.name} ({lines} lines)")
    assert not long, "functions longer than 66 lines: " + ", ".join(long)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_the_import_graph_has_no_cycle():
    """No chain of imports, at the top or inside functions, leads a module back to itself."""
    modules = {_module_name(p): _imports(p) for p in PACKAGE.rglob("*.py")}

    def module_of(name: str) -> str:  # "densenet_lab.models.DenseNet" -> "densenet_lab.models"
        while name not in modules:
            name = name.rpartition(".")[0]
        return name

    graph = {m: {module_of(n) for n in imported} - {m} for m, imported in modules.items()}
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        assert module not in path, "import cycle: " + " -> ".join([*path[path.index(module):], module])
        if module in done:
            return
        for nxt in sorted(graph[module]):
            visit(nxt, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
