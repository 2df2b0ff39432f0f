"""Loading the learner's file as it is: only what the check needs runs.

A learner's file is rarely only the functions to check: it trains at the top level, plots,
imports ``mnist_loader`` or a course's helper package. ``exec_module(path)`` runs, statement by
statement at the top level (notebook code cells in order, ``%`` magics and ``!`` lines left out):

- imports that succeed (each name of ``import a, b`` on its own; a failing one is skipped),
- definitions (``def``, ``class``), whose decorators, defaults and bases are evaluated,
- simple assignments: constants, names, containers, arithmetic, lambdas, and calls only into
  NumPy, ``math`` and a few builtins (``sizes = [2, 3, 1]``, ``EPS = np.finfo(float).eps``),
- ``if``/``try`` blocks made only of those (``try: import cupy as xp`` / ``except: import numpy``).

Everything else is skipped and listed with the reason: calls of the learner's own code
(``net.SGD(...)``, ``history = model.train(...)``), loops, ``if __name__ == "__main__":``,
prints and plots, assignments that need a skipped name, statements that raised. A skipped
statement's names are *unavailable*; the report says which definitions need them (the checker
then names the missing helper instead of failing obscurely).

The report is plain data (for a child process to send back): what the file defines (functions
with their parameters, classes with their methods), what was skipped and why, which names are
unavailable and why, and the free global names each definition reads.

Only a missing file, a syntax error or a file that is not Python raises ``UserCodeError``.
"""

from __future__ import annotations
import __future__ as future_module

import ast
import builtins
import inspect
import json
import sys
import types
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bpstep.engine.errors import UserCodeError

# calls into these modules may run in a simple top-level assignment
SAFE_MODULES = frozenset(
    {"numpy", "math", "cmath", "functools", "operator", "collections", "typing", "enum", "re"}
)
SAFE_BUILTINS = frozenset(
    {
        "int", "float", "complex", "bool", "str", "len", "range", "list", "tuple", "dict",
        "set", "frozenset", "zip", "enumerate", "min", "max", "abs", "round", "sorted",
        "reversed", "isinstance", "staticmethod", "classmethod", "property", "object",
        "slice", "pow", "divmod", "all", "any", "map", "filter", "type", "getattr", "hasattr",
    }
)  # fmt: skip
ACCEPTED = "a Python file (.py) or a Jupyter notebook (.ipynb)"


@dataclass
class Unit:
    """One piece of source compiled on its own: the file, or one notebook code cell."""

    source: str
    filename: str  # what tracebacks show: the path, or "path (cell k)"
    where: str  # how the report names a line of it: "path" or "path (cell k)"


@dataclass
class Loading:
    """What happens while the statements run: the module, and what was skipped."""

    module: types.ModuleType
    flags: int = 0  # __future__ flags seen so far
    skipped: list[dict] = field(default_factory=list)
    unavailable: dict[str, dict] = field(default_factory=dict)  # name → {where, why}
    failed_imports: dict[str, str] = field(default_factory=dict)  # name → module that failed
    lines: dict[str, str] = field(default_factory=dict)  # definition name → where


def exec_module(path: str | Path) -> tuple[types.ModuleType, dict]:
    """Load the learner's file tolerantly; returns (the module, the plain-data report)."""
    path = Path(path)
    units = read_units(path)
    trees = [(unit, parse(unit)) for unit in units]
    name = f"bpstep_learner_{abs(hash(str(path.resolve())))}"
    module = types.ModuleType(name)
    module.__file__ = str(path)
    sys.modules[name] = module  # dataclasses and pickling look modules up here
    folder = str(path.resolve().parent)
    sys.path.insert(0, folder)  # a helper module next to the file may be imported
    state = Loading(module)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for unit, tree in trees:
                for node in tree.body:
                    run_statement(state, unit, node)
    finally:
        try:
            sys.path.remove(folder)
        except ValueError:
            pass
    return module, report(state, trees, path)


# ---------------------------------------------------------------------------- reading


def _not_a_file(path: Path) -> str:
    """Why ``path`` cannot be read as a learner's file (a FIFO would block the read forever)."""
    if path.is_dir():
        return "a folder"
    return "not a regular file (a FIFO or a device)" if path.exists() else "no such file"


def read_units(path: Path) -> list[Unit]:
    """The file's source, or a notebook's code cells in order (magics and ! lines blanked)."""
    if not path.is_file():
        what = _not_a_file(path)
        raise UserCodeError(f"cannot read {path}: {what} ({ACCEPTED})")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserCodeError(f"cannot read {path}: {exc.strerror} ({ACCEPTED})") from None
    if path.suffix.lower() != ".ipynb":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise UserCodeError(f"{path}: not Python source: it is not UTF-8 text") from None
        return [Unit(text, str(path), str(path))]
    return notebook_units(path, data)


def notebook_units(path: Path, data: bytes) -> list[Unit]:
    """One unit per code cell, named ``path (cell k)`` with k counting every cell from 1."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
        cells = doc["cells"]
        assert isinstance(cells, list)
    except (ValueError, KeyError, TypeError, AssertionError):
        raise UserCodeError(
            f"{path}: not a Jupyter notebook (no list of cells in its JSON)"
        ) from None
    units = []
    for k, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        if text.lstrip().startswith("%%"):
            continue  # a cell magic (%%time, %%writefile…): not Python
        lines = ["" if ipython_only(line) else line for line in text.split("\n")]
        where = f"{path} (cell {k})"
        units.append(Unit("\n".join(lines), where, where))
    return units


def ipython_only(line: str) -> bool:
    """A line only IPython reads: a magic (%), a shell command (!), help (np.sum?, ?np.sum)."""
    text = line.strip()
    if text.startswith(("%", "!")):
        return True
    return bool(text) and " " not in text and (text.startswith("?") or text.endswith("?"))


def parse(unit: Unit) -> ast.Module:
    try:
        return ast.parse(unit.source, unit.filename)
    except SyntaxError as exc:  # IndentationError included
        kind = "indentation error" if isinstance(exc, IndentationError) else "syntax error"
        python2 = " (Python 2 code? bpstep runs Python 3)" if "print" in exc.msg else ""
        raise UserCodeError(f"{unit.where}:{exc.lineno}: {kind}: {exc.msg}{python2}") from None
    except ValueError as exc:  # e.g. null bytes
        raise UserCodeError(f"{unit.where}: not Python source: {exc}") from None


# ---------------------------------------------------------------------------- running


def run_statement(state: Loading, unit: Unit, node: ast.stmt) -> None:
    """Run ``node`` if the check may need it, else record why it was skipped."""
    if isinstance(node, ast.Import) and len(node.names) > 1:
        for alias in node.names:  # `import numpy as np, mnist_loader`: each on its own
            run_statement(state, unit, ast.copy_location(ast.Import(names=[alias]), node))
        return
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return  # a docstring
    if isinstance(node, ast.ImportFrom) and node.module == "__future__":
        for alias in node.names:
            feature = getattr(future_module, alias.name, None)
            state.flags |= getattr(feature, "compiler_flag", 0)
    why = why_not_run(node, state)
    if why is None:
        why = execute(state, unit, node)
    if why is not None:
        skip(state, unit, node, why)
    else:
        for name in bound_names(node):
            state.unavailable.pop(name, None)
            state.failed_imports.pop(name, None)
            state.lines[name] = f"{unit.where}:{node.lineno}"


def execute(state: Loading, unit: Unit, node: ast.stmt) -> str | None:
    """Run one statement in the module; None, or why it failed (it is then skipped)."""
    code = compile(
        ast.Module(body=[node], type_ignores=[]),
        unit.filename,
        "exec",
        flags=state.flags,
        dont_inherit=True,
    )
    try:
        exec(code, state.module.__dict__)
    except (Exception, SystemExit) as exc:
        text = str(exc).strip().splitlines()
        what = f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
        if isinstance(node, ast.Import | ast.ImportFrom):
            module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
            for name in bound_names(node):
                state.failed_imports[name] = module or "?"
            return f"the import failed: {what}"
        return f"it raised {what}"
    return None


def skip(state: Loading, unit: Unit, node: ast.stmt, why: str) -> None:
    where = f"{unit.where}:{node.lineno}"
    first = (ast.get_source_segment(unit.source, node) or "").strip().split("\n")[0]
    state.skipped.append({"where": where, "code": first[:72], "why": why})
    for name in bound_names(node):
        if name not in state.module.__dict__ or name in state.unavailable:
            state.unavailable[name] = {"where": where, "why": why}


def why_not_run(node: ast.stmt, state: Loading) -> str | None:
    """None if ``node`` is a statement the check may need (see the module docstring)."""
    if isinstance(node, ast.Import | ast.ImportFrom):
        return None
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return needs_skipped(top_level_loads(node), state)
    if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
        if node.value is None:
            return "an annotation without a value"
        return needs_skipped(loads(node), state) or not_simple(node.value, state)
    if isinstance(node, ast.If):
        if is_main_block(node):
            return 'the `if __name__ == "__main__":` block'
        return needs_skipped(loads(node.test), state) or (
            not_simple(node.test, state) or block_reason(node.body + node.orelse, state)
        )
    if isinstance(node, ast.Try):
        handlers = [s for h in node.handlers for s in h.body]
        return block_reason(node.body + handlers + node.orelse + node.finalbody, state)
    if isinstance(node, ast.Pass | ast.Global | ast.Nonlocal):
        return None
    if isinstance(node, ast.For | ast.AsyncFor | ast.While):
        return "a loop at the top level (training, plotting…): not needed for the check"
    if isinstance(node, ast.Expr):
        return "top-level code (a call, a print, a plot): not needed for the check"
    return f"a top-level `{type(node).__name__.lower()}` statement: not needed for the check"


def block_reason(body: list[ast.stmt], state: Loading) -> str | None:
    for stmt in body:
        why = why_not_run(stmt, state)
        if why is not None:
            return f"holds a statement that is not run: {why}"
    return None


def is_main_block(node: ast.If) -> bool:
    test = node.test
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
    )


def not_simple(expr: ast.expr, state: Loading) -> str | None:
    """Why evaluating ``expr`` at load time is not safe (a call of the learner's code…)."""
    for node in walk_outside_lambdas(expr):
        if not isinstance(node, ast.Call):
            continue
        root = node.func
        while isinstance(root, ast.Attribute | ast.Subscript | ast.Call):
            root = root.value if not isinstance(root, ast.Call) else root.func
        if not isinstance(root, ast.Name):
            return "calls something at load time: not needed for the check"
        value = state.module.__dict__.get(root.id)
        if value is None and root.id in SAFE_BUILTINS and hasattr(builtins, root.id):
            continue
        if isinstance(value, types.ModuleType) and value.__name__.split(".")[0] in SAFE_MODULES:
            continue
        callee = ast.unparse(node.func)[:40]
        return f"calls {callee}(…) at load time: top-level calls of your code are not run"
    return None


def walk_outside_lambdas(expr: ast.AST):
    """Every node of ``expr`` except inside lambda bodies (they run later, when called)."""
    todo = [expr]
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, ast.Lambda):
            continue
        todo.extend(ast.iter_child_nodes(node))


def needs_skipped(names: set[str], state: Loading) -> str | None:
    for name in sorted(names):
        if name in state.unavailable and name not in state.module.__dict__:
            return f"needs {name}, which is not available ({state.unavailable[name]['where']})"
    return None


# ---------------------------------------------------------------------------- names


def bound_names(node: ast.stmt) -> set[str]:
    """The global names a top-level statement binds."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    if isinstance(node, ast.Import):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    if isinstance(node, ast.ImportFrom):
        return {a.asname or a.name for a in node.names if a.name != "*"}
    names: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            names.add(sub.id)
        elif isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(sub.name)
        elif isinstance(sub, ast.Import | ast.ImportFrom) and sub is not node:
            names |= bound_names(sub)
    return names


def loads(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def top_level_loads(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> set[str]:
    """Names a definition statement itself evaluates: decorators, defaults, bases."""
    parts: list[ast.AST] = list(node.decorator_list)
    if isinstance(node, ast.ClassDef):
        parts += node.bases + [k.value for k in node.keywords]
    else:
        parts += node.args.defaults + [d for d in node.args.kw_defaults if d is not None]
    return set().union(*(loads(p) for p in parts)) if parts else set()


def free_names(node: ast.AST) -> set[str]:
    """Global names a definition reads when it runs: loaded names not bound inside it."""
    bound: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and not isinstance(sub.ctx, ast.Load):
            bound.add(sub.id)
        elif isinstance(sub, ast.arg):
            bound.add(sub.arg)
        elif isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and (
            sub is not node
        ):
            bound.add(sub.name)
        elif isinstance(sub, ast.Import | ast.ImportFrom):
            bound |= bound_names(sub)
        elif isinstance(sub, ast.ExceptHandler) and sub.name:
            bound.add(sub.name)
    return loads(node) - bound


# ---------------------------------------------------------------------------- the report


def params_of(fn: Any) -> list[list] | None:
    """[[name, kind, has_default], …] of a callable, None when its signature cannot be read."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    return [[p.name, p.kind.name, p.default is not p.empty] for p in sig.parameters.values()]


def definitions(ns: dict[str, Any], lines: dict[str, str]) -> tuple[dict, dict]:
    """The report's ``functions`` and ``classes``: each name of ``lines`` (name → where it is
    defined) bound in ``ns`` to a function or a class, with its parameters or methods."""
    functions, classes = {}, {}
    for name, value in ns.items():
        if name not in lines or isinstance(value, types.ModuleType):
            continue
        if inspect.isclass(value):
            classes[name] = class_entry(value, lines[name])
        elif callable(value):
            functions[name] = {"params": params_of(value), "where": lines[name]}
    return functions, classes


def class_entry(cls: type, where: str, members: Mapping[str, Any] | None = None) -> dict:
    """A class's methods (name → parameters) and other attributes, of ``members`` (by default
    its own ``vars``: a file's class is described as written)."""
    own: Mapping[str, Any] = vars(cls) if members is None else members
    methods = {
        k: params_of(getattr(cls, k))
        for k, v in own.items()
        if callable(getattr(cls, k, None)) or isinstance(v, staticmethod | classmethod)
    }
    attrs = sorted(k for k in own if not k.startswith("__") and k not in methods)
    return {"methods": methods, "attributes": attrs, "where": where}


def report(state: Loading, trees: list[tuple[Unit, ast.Module]], path: Path) -> dict:
    """Plain data about the loaded module (see the module docstring)."""
    needs: dict[str, set[str]] = {}
    for _, tree in trees:
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                # the last definition of a name wins; builtins are always there
                needs[node.name] = {n for n in free_names(node) if not hasattr(builtins, n)}
    functions, classes = definitions(state.module.__dict__, state.lines)
    return {
        "path": str(path),
        "kind": "notebook" if path.suffix.lower() == ".ipynb" else "python",
        "functions": functions,
        "classes": classes,
        "skipped": state.skipped,
        "unavailable": dict(state.unavailable),
        "failed_imports": dict(state.failed_imports),
        "needs": {k: sorted(v) for k, v in needs.items() if k in state.lines},
    }
