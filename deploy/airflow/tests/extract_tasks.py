#!/usr/bin/python3
"""Reads Airflow DAG files without Airflow and prints what their tasks would run, as JSON.

Airflow cannot be installed where Kiln is built, so the DAGs are checked from their source: each file is parsed
with `ast` (nothing is imported or executed), operator calls are evaluated from literals and module-level
constants (those of sibling modules imported with `from MODULE import NAME` too), and Jinja templates are rendered
as Airflow would render them for one logical date with no Variables set, i.e. with each Variable's default.
AirflowDagsTest then runs every spark-submit task's arguments through `kiln ... --dry-run`.

    /usr/bin/python3 extract_tasks.py [--ds YYYY-MM-DD] DAGS_DIR

Output: {"dags": [{"file", "dag_id", "dag": {DAG keyword arguments}, "tasks": [{"task_id", "operator",
"spark_submit", "line", "kwargs"}], "edges": [[upstream, downstream], ...]}]}. A value the evaluator cannot know
without running the code (a function call, an attribute) is reported as {"expression": "<source>"}.

It fails (exit 1, naming file and line) rather than guess: a spark-submit task whose application, java_class or
application_args is not fully known, a template expression it does not understand, or a template in a field
Airflow does not render (java_class, conn_id).
"""

from __future__ import annotations

import argparse
import ast
import datetime
import json
import re
import sys
from pathlib import Path

SPARK_SUBMIT_OPERATOR = "SparkSubmitOperator"
SPARK_SUBMIT_MODULE = "airflow.providers.apache.spark.operators.spark_submit"
# SparkSubmitOperator arguments that must be known exactly for the CLI check.
REQUIRED_SPARK_FIELDS = ("application", "java_class", "application_args")
# SparkSubmitOperator arguments Airflow passes as written (not in its template_fields).
UNRENDERED_SPARK_FIELDS = ("java_class", "conn_id")
TEMPLATE = re.compile(r"\{\{(.*?)\}\}")


class ExtractionError(Exception):
    pass


class Opaque:
    """A value known only as source text: a call, an attribute, a name from a module that is not read."""

    def __init__(self, source: str):
        self.source = source

    def to_json(self):
        return {"expression": self.source}


class Module:
    """One parsed file: its module-level assignments, evaluated on demand, and the names it imports."""

    def __init__(self, path: Path, modules: ModuleLoader):
        self.path = path
        self.tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        self.modules = modules
        self.assignments: dict[str, ast.expr] = {}
        self.imports: dict[str, tuple[str, str]] = {}  # local name -> (module, name)
        self.classes: dict[str, ast.ClassDef] = {}
        self.values: dict[str, object] = {}
        for statement in self.tree.body:
            self._declare(statement)

    def _declare(self, statement: ast.stmt):
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    self.assignments[target.id] = statement.value
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and statement.value:
            self.assignments[statement.target.id] = statement.value
        elif isinstance(statement, ast.ImportFrom) and statement.module:
            for alias in statement.names:
                self.imports[alias.asname or alias.name] = (statement.module, alias.name)
        elif isinstance(statement, ast.ClassDef):
            self.classes[statement.name] = statement
        elif isinstance(statement, ast.With):
            # `with DAG(...) as dag:` — the tasks are assigned in its body.
            for inner in statement.body:
                self._declare(inner)

    def lookup(self, name: str):
        if name in self.values:
            return self.values[name]
        if name in self.assignments:
            self.values[name] = Opaque(name)  # a placeholder while evaluating breaks cycles
            self.values[name] = self.evaluate(self.assignments[name])
            return self.values[name]
        if name in self.imports:
            module, original = self.imports[name]
            sibling = self.modules.sibling(module)
            return sibling.lookup(original) if sibling else Opaque(f"{module}.{original}")
        return Opaque(name)

    def qualified_name(self, name: str) -> tuple[str, str]:
        """(module, name) a local name stands for: imported, or defined in this file."""
        if name in self.imports:
            module, original = self.imports[name]
            sibling = self.modules.sibling(module)
            return sibling.qualified_name(original) if sibling else (module, original)
        return (self.path.stem, name)

    def is_spark_submit_operator(self, name: str) -> bool:
        module, original = self.qualified_name(name)
        if (module, original) == (SPARK_SUBMIT_MODULE, SPARK_SUBMIT_OPERATOR):
            return True
        owner = self.modules.sibling(module) if module != self.path.stem else self
        cls = owner.classes.get(original) if owner else None
        return cls is not None and any(isinstance(base, ast.Name) and owner.is_spark_submit_operator(base.id)
                                       for base in cls.bases)

    def evaluate(self, node: ast.expr):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self.lookup(node.id)
        if isinstance(node, (ast.List, ast.Tuple)):
            items = []
            for element in node.elts:
                if isinstance(element, ast.Starred):
                    items.extend(self._concrete(self.evaluate(element.value), element))
                else:
                    items.append(self.evaluate(element))
            return items
        if isinstance(node, ast.Dict):
            return {self.evaluate(k) if k is not None else "**": self.evaluate(v)
                    for k, v in zip(node.keys, node.values)}
        if isinstance(node, ast.JoinedStr):
            parts = []
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    if value.format_spec is not None or value.conversion != -1:
                        return Opaque(ast.unparse(node))
                    part = self.evaluate(value.value)
                    if isinstance(part, Opaque):
                        return Opaque(ast.unparse(node))
                    parts.append(str(part))
                else:
                    parts.append(value.value)
            return "".join(parts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.evaluate(node.left), self.evaluate(node.right)
            if isinstance(left, (str, list)) and type(left) is type(right):
                return left + right
            return Opaque(ast.unparse(node))
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "join"
                and isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str)
                and len(node.args) == 1 and not node.keywords):
            items = self.evaluate(node.args[0])
            if isinstance(items, list) and all(isinstance(item, str) for item in items):
                return node.func.value.value.join(items)
        return Opaque(ast.unparse(node))

    def keyword_arguments(self, call: ast.Call) -> dict:
        """A call's keyword arguments, evaluated; `**settings` merged in (it must evaluate to a dict)."""
        arguments = {}
        for keyword in call.keywords:
            if keyword.arg is not None:
                arguments[keyword.arg] = self.evaluate(keyword.value)
                continue
            expanded = self.evaluate(keyword.value)
            if not isinstance(expanded, dict):
                raise ExtractionError(f"{self.path}:{call.lineno}: cannot expand **{ast.unparse(keyword.value)}")
            arguments.update(expanded)
        return arguments

    def _concrete(self, value, node):
        if not isinstance(value, list):
            raise ExtractionError(f"{self.path}:{node.lineno}: cannot expand {ast.unparse(node)}")
        return value


class ModuleLoader:
    """The DAG folder's files, each parsed once; `from kiln_common import X` resolves to the folder's kiln_common.py."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.loaded: dict[str, Module] = {}

    def sibling(self, module: str):
        path = self.folder / (module.replace(".", "/") + ".py")
        if not path.is_file():
            return None
        if module not in self.loaded:
            self.loaded[module] = Module(path, self)
        return self.loaded[module]


class TemplateRenderer:
    """Renders `{{ ... }}` as Airflow would for one logical date with no Variables set. Each expression is parsed
    as Python (Jinja's expression syntax agrees for these) and only what the DAGs use is understood: ds, ds_nodash,
    var.value.get(name, default), params.NAME (the DAG's params) and `a or b`. Anything else is an error."""

    def __init__(self, ds: datetime.date, params: dict):
        self.names = {"ds": ds.isoformat(), "ds_nodash": ds.strftime("%Y%m%d")}
        self.params = params

    def render(self, value, where: str):
        if isinstance(value, str):
            return TEMPLATE.sub(lambda match: str(self._expression(match.group(1).strip(), where)), value)
        if isinstance(value, list):
            return [self.render(item, where) for item in value]
        if isinstance(value, dict):
            return {key: self.render(item, where) for key, item in value.items()}
        return value

    def _expression(self, text: str, where: str):
        try:
            return self._evaluate(ast.parse(text, mode="eval").body)
        except (SyntaxError, ExtractionError) as e:
            raise ExtractionError(f"{where}: cannot render the template '{{{{ {text} }}}}': {e}") from None

    def _evaluate(self, node):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name) and node.id in self.names:
            return self.names[node.id]
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "params"
                and node.attr in self.params):
            return self.params[node.attr]
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            for operand in node.values:
                value = self._evaluate(operand)
                if value:
                    return value
            return value
        if (isinstance(node, ast.Call) and ast.unparse(node.func) == "var.value.get" and len(node.args) == 2
                and all(isinstance(arg, ast.Constant) for arg in node.args)):
            return node.args[1].value  # no Variable is set: Airflow returns the default
        raise ExtractionError(f"'{ast.unparse(node)}' is not one of the expressions this renderer knows")


def to_json(value):
    if isinstance(value, Opaque):
        return value.to_json()
    if isinstance(value, list):
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_json(item) for key, item in value.items()}
    return value


def describe(value) -> str:
    """A value as the DAG's source spells it, as far as it is known."""
    if isinstance(value, Opaque):
        return value.source
    if isinstance(value, list):
        return "[" + ", ".join(describe(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key!r}: {describe(item)}" for key, item in value.items()) + "}"
    return repr(value)


def is_known(value) -> bool:
    if isinstance(value, Opaque):
        return False
    if isinstance(value, list):
        return all(is_known(item) for item in value)
    if isinstance(value, dict):
        return all(is_known(item) for item in value.values())
    return True


def calls(tree: ast.AST):
    """Every call in the file with its target variable, if it is the value of an assignment."""
    targets = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    targets[id(node.value)] = target.id
        if isinstance(node, ast.withitem) and isinstance(node.context_expr, ast.Call):
            targets[id(node.context_expr)] = node.optional_vars.id if isinstance(node.optional_vars, ast.Name) else None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            yield node, targets.get(id(node))


def edges(tree: ast.AST, task_ids: dict[str, str]):
    """`a >> b >> c` and `a << b` between task variables (lists on either side too)."""
    found = []

    def operands(node):
        if isinstance(node, ast.Name) and node.id in task_ids:
            return [task_ids[node.id]]
        if isinstance(node, (ast.List, ast.Tuple)):
            return [task for element in node.elts for task in operands(element)]
        return None

    def chain(node):
        """The task ids at the right end of a chain, recording each link on the way."""
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.RShift, ast.LShift)):
            left, right = chain(node.left), chain(node.right)
            if left is None or right is None:
                return None
            upstream, downstream = (left, right) if isinstance(node.op, ast.RShift) else (right, left)
            found.extend([a, b] for a in upstream for b in downstream)
            return right
        return operands(node)

    for node in ast.walk(tree):
        if isinstance(node, ast.Expr):
            chain(node.value)
    return found


def extract(path: Path, modules: ModuleLoader, ds: datetime.date):
    module = modules.sibling(path.stem)
    dag_call = next((call for call, _ in calls(module.tree) if call.func.id == "DAG"), None)
    if dag_call is None:
        return None
    dag = module.keyword_arguments(dag_call)
    if dag_call.args:
        dag["dag_id"] = module.evaluate(dag_call.args[0])
    params = dag.get("params") if isinstance(dag.get("params"), dict) else {}
    renderer = TemplateRenderer(ds, params)

    tasks, task_ids = [], {}
    for call, variable in calls(module.tree):
        kwargs = module.keyword_arguments(call)
        if "task_id" not in kwargs:
            continue
        where = f"{path}:{call.lineno}"
        spark_submit = module.is_spark_submit_operator(call.func.id)
        if spark_submit:
            for field in UNRENDERED_SPARK_FIELDS:
                if isinstance(kwargs.get(field), str) and TEMPLATE.search(kwargs[field]):
                    raise ExtractionError(f"{where}: {field} is not a templated field of SparkSubmitOperator, so "
                                          f"Airflow would pass '{kwargs[field]}' unrendered")
            for field in REQUIRED_SPARK_FIELDS:
                if field not in kwargs:
                    raise ExtractionError(f"{where}: a SparkSubmitOperator without {field}")
                if not is_known(kwargs[field]):
                    raise ExtractionError(f"{where}: {field} is not known without running the file: "
                                          f"{describe(kwargs[field])}")
        rendered = {name: value if name in UNRENDERED_SPARK_FIELDS else renderer.render(value, where)
                    for name, value in kwargs.items()}
        task_id = rendered["task_id"]
        tasks.append({"task_id": task_id, "operator": call.func.id, "spark_submit": spark_submit,
                      "line": call.lineno, "kwargs": to_json(rendered)})
        if variable:
            task_ids[variable] = task_id
    return {"file": path.name, "dag_id": to_json(dag.get("dag_id")), "dag": to_json(dag), "tasks": tasks,
            "edges": edges(module.tree, task_ids)}


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dags", type=Path, help="the DAG folder")
    parser.add_argument("--ds", type=datetime.date.fromisoformat, default=datetime.date(2026, 11, 21),
                        help="the logical date templates are rendered for (default: %(default)s)")
    args = parser.parse_args(argv)
    modules = ModuleLoader(args.dags)
    try:
        dags = [dag for path in sorted(args.dags.glob("*.py")) if (dag := extract(path, modules, args.ds))]
    except (ExtractionError, SyntaxError) as e:
        print(f"extract_tasks: {e}", file=sys.stderr)
        return 1
    json.dump({"ds": args.ds.isoformat(), "dags": dags}, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
