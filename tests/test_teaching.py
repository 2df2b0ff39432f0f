"""``bpstep.testing.assert_backprop`` and the teaching examples in examples/teaching/, run as a
teacher runs them (issue 16 §2): the pytest example through pytest, the nbgrader notebook's code
cells in order (as nbgrader's autograder executes them), and GitHub Classroom's commands."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bpstep import ConfigError
from bpstep.checker.loader import exec_module
from bpstep.testing import assert_backprop

ROOT = Path(__file__).resolve().parents[1]
TEACHING = ROOT / "examples" / "teaching"
LEARNERS = ROOT / "tests" / "learners"
SUBMISSIONS = TEACHING / "pytest" / "submissions"
NOTEBOOK = TEACHING / "nbgrader" / "source" / "backprop" / "backprop.ipynb"
CLASSROOM = TEACHING / "classroom"
FOUR = ["output_delta", "hidden_delta", "weight_grad", "bias_grad"]


def run(args: list[str], cwd: Path, **extra_env: str) -> subprocess.CompletedProcess:
    """A command as a teacher's shell runs it: this virtualenv's python3 and pytest first, and
    no pytest plugin but pytest's own (a Classroom runner has bpstep and pytest only; the ones
    installed here for bpstep's own tests take 2 s to load)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "FORCE_COLOR"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env.update(extra_env)
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


# ---------------------------------------------------------------------------- assert_backprop


def test_a_right_backprop_passes_and_returns_the_report():
    report = assert_backprop(SUBMISSIONS / "ada.py", l2=0.1, require=FOUR)
    assert report.ok and report.network["l2"] == 0.1


def test_a_wrong_backprop_fails_with_the_origin_its_slip_and_the_whole_report():
    with pytest.raises(AssertionError) as err:
        assert_backprop(SUBMISSIONS / "ben.py")
    text = str(err.value)
    first, rest = text.split("\n", 1)
    assert first == (
        "backprop disagrees with bpstep's engine: hidden_delta at δ¹ is wrong (missing_fprime): "
        "missing f′(z): yours is (Wᵐ⁺¹)ᵀ δᵐ⁺¹ without the factor f′(zᵐ)"
    )
    assert "function      layer   result" in rest and "1 of 6 disagree or fail" in rest


def test_code_that_fails_is_named_in_the_headline(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("def bias_grad(delta):\n    return delta.mean(axis=3)\n")
    with pytest.raises(AssertionError) as err:
        assert_backprop(broken, iterations=1)
    first = str(err.value).splitlines()[0]
    assert first.startswith("backprop disagrees with bpstep's engine: bias_grad at ∂J/∂b")
    assert f"fails: {broken}:2: AxisError" in first


def test_what_cannot_be_checked_fails_and_a_bad_option_is_the_tests_own_error(tmp_path):
    with pytest.raises(AssertionError, match="bpstep cannot check this backprop: cannot read"):
        assert_backprop(tmp_path / "missing.py")
    bad = tmp_path / "bad.py"
    bad.write_text("def bias_grad(delta)\n    return delta\n")
    with pytest.raises(AssertionError, match=r"bad.py:1: syntax error"):
        assert_backprop(bad)
    with pytest.raises(ConfigError, match="unknown option 'lmbda'"):
        assert_backprop(SUBMISSIONS / "ada.py", lmbda=0.1)
    with pytest.raises(ConfigError, match="require must be function names"):
        assert_backprop(SUBMISSIONS / "ada.py", require=[1])


def test_require_makes_a_function_left_out_a_failure():
    module, _ = exec_module(SUBMISSIONS / "ada.py")
    only = {"hidden_delta": module.hidden_delta}
    assert assert_backprop(only).fallbacks == ["output_delta", "weight_grad", "bias_grad"]
    with pytest.raises(AssertionError) as err:
        assert_backprop(only, require=FOUR)
    assert str(err.value) == (
        "functions hidden_delta does not define output_delta, weight_grad, bias_grad "
        "(required); it defines hidden_delta"
    )
    assert_backprop(only, require="hidden_delta")


# ---------------------------------------------------------------------------- pytest


def pytest_outcomes(output: str) -> dict[str, str]:
    """{"test_name[student]": "PASSED" | "FAILED"} from pytest's -rA summary."""
    found = re.findall(r"^(PASSED|FAILED) \S*test_backprop\.py::(\S+)", output, re.M)
    return {name: outcome for outcome, name in found}


def test_the_pytest_example_passes_a_right_student_and_fails_the_others_with_their_slip(
    tmp_path,
):
    folder = tmp_path / "grading"
    shutil.copytree(TEACHING / "pytest", folder)
    out = run([sys.executable, "-m", "pytest", "-rA", "-p", "no:cacheprovider"], folder)
    outcomes = pytest_outcomes(out.stdout)
    cases = ["sigmoid_quadratic_on_xor", "l2_regularisation", "softmax_cross_entropy_on_digits"]
    cases.append("relu_hidden_layers")
    expected = {f"test_{c}[ada]": "PASSED" for c in cases}
    expected |= {f"test_{c}[ben]": "FAILED" for c in cases}
    # cy's weight_grad takes no λ: right until the λ case
    expected |= {f"test_{c}[cy]": "PASSED" for c in cases}
    expected["test_l2_regularisation[cy]"] = "FAILED"
    assert outcomes == expected, out.stdout[-3000:]
    assert out.returncode == 1
    assert "hidden_delta at δ¹ is wrong (missing_fprime): missing f′(z)" in out.stdout
    assert "weight_grad at ∂Ĵ/∂W² is wrong (missing_l2): missing L2 term" in out.stdout


def test_the_pytest_example_grades_a_folder_given_by_submissions(tmp_path):
    folder = tmp_path / "term2"
    folder.mkdir()
    shutil.copy(SUBMISSIONS / "ada.py", folder / "dana.py")
    shutil.copy(LEARNERS / "notebooks" / "planar_data_classification.ipynb", folder / "eli.ipynb")
    test_file = str(TEACHING / "pytest" / "test_backprop.py")
    args = [sys.executable, "-m", "pytest", "-rA", "-p", "no:cacheprovider", "-k", "xor"]
    out = run([*args, test_file], tmp_path, SUBMISSIONS=str(folder))
    assert pytest_outcomes(out.stdout) == {
        "test_sigmoid_quadratic_on_xor[dana]": "PASSED",
        # a notebook in another course's shape: the four functions are required, and missing
        "test_sigmoid_quadratic_on_xor[eli]": "FAILED",
    }, out.stdout[-3000:]
    assert "does not define output_delta, hidden_delta, weight_grad, bias_grad" in out.stdout


# ---------------------------------------------------------------------------- nbgrader


def notebook_cells(doc: dict) -> list[tuple[dict, str]]:
    return [(c, "".join(c["source"])) for c in doc["cells"] if c["cell_type"] == "code"]


def released(source: str) -> str:
    """What nbgrader hands students: each solution replaced, the hidden tests taken out."""
    solution = re.compile(
        r"^(?P<indent>[ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION", re.M | re.S
    )
    source = solution.sub(
        r"\g<indent># YOUR CODE HERE\n\g<indent>raise NotImplementedError()", source
    )
    return re.sub(
        r"^[ \t]*### BEGIN HIDDEN TESTS\n.*?^[ \t]*### END HIDDEN TESTS\n?",
        "",
        source,
        flags=re.M | re.S,
    )


def execute(doc: dict) -> dict[str, BaseException | None | object]:
    """Run the notebook's code cells in order in one namespace, as a kernel does (a failing
    cell does not stop the next, as in nbgrader's autograding); {grade_id: exception or the
    value of the cell's last expression}."""
    namespace: dict = {"__name__": "__main__"}
    outcomes: dict[str, BaseException | None | object] = {}
    for k, (cell, source) in enumerate(notebook_cells(doc), 1):
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id", f"cell{k}")
        tree = ast.parse(source)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        try:
            exec(compile(tree, f"<cell {k}>", "exec"), namespace)
            value = None
            if last is not None:
                value = eval(compile(ast.Expression(last.value), f"<cell {k}>", "eval"), namespace)
            outcomes[grade_id] = value
        except Exception as exc:  # noqa: BLE001 - a failing cell is an outcome here
            outcomes[grade_id] = exc
    return outcomes


def test_the_nbgrader_notebook_is_an_nbgrader_source_notebook():
    doc = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert doc["nbformat"] == 4
    graded = {}
    for cell in doc["cells"]:
        meta = cell["metadata"].get("nbgrader")
        if meta is None:
            continue
        assert meta["schema_version"] == 3 and meta["grade_id"]
        if meta["grade"]:
            graded[meta["grade_id"]] = meta["points"]
            assert meta["locked"] and not meta["solution"]
            assert "assert_backprop(" in "".join(cell["source"])
        if meta["solution"]:
            assert "### BEGIN SOLUTION" in "".join(cell["source"])
    assert graded == {"test_deltas": 3, "test_gradients": 3, "test_digits": 1}


def test_the_teachers_notebook_passes_every_test_cell():
    outcomes = execute(json.loads(NOTEBOOK.read_text(encoding="utf-8")))
    for grade_id in ("test_deltas", "test_gradients", "test_digits"):
        assert not isinstance(outcomes[grade_id], BaseException), outcomes[grade_id]
    check_cell = [v for k, v in outcomes.items() if k.startswith("cell")][-1]
    assert check_cell.ok and "<table>" in check_cell._repr_html_()  # shown as a table


def test_a_student_with_a_slip_fails_that_part_only_with_bpsteps_text():
    doc = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    for cell in doc["cells"]:
        text = "".join(cell["source"])
        text = text.replace(
            "return a * (1 - a) * (W_next.T @ delta_next)", "return W_next.T @ delta_next"
        )
        cell["source"] = text.splitlines(keepends=True)
    outcomes = execute(doc)
    failure = outcomes["test_deltas"]
    assert isinstance(failure, AssertionError)
    assert str(failure).startswith(
        "backprop disagrees with bpstep's engine: hidden_delta at δ¹ is wrong (missing_fprime)"
    )
    assert "hint: missing f′(z)" in str(failure)
    assert not isinstance(outcomes["test_gradients"], BaseException)
    assert isinstance(outcomes["test_digits"], AssertionError)


def test_the_released_notebook_fails_every_test_cell_until_the_student_writes_it():
    doc = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    for cell in doc["cells"]:
        cell["source"] = released("".join(cell["source"])).splitlines(keepends=True)
    assert "NotImplementedError" in json.dumps(doc) and "HIDDEN" not in json.dumps(doc)
    outcomes = execute(doc)
    for grade_id in ("test_deltas", "test_gradients"):
        failure = outcomes[grade_id]
        assert isinstance(failure, AssertionError)
        assert "fails: " in str(failure) and "NotImplementedError" in str(failure)
    assert not isinstance(outcomes["test_digits"], BaseException)  # its tests are hidden


def test_a_students_notebook_file_is_checked_as_a_path():
    report = assert_backprop(NOTEBOOK, require=FOUR)
    assert report.file == str(NOTEBOOK) and report.skipped  # the check and test cells


# ---------------------------------------------------------------------------- GitHub Classroom


def classroom_copy(tmp_path: Path, student: Path | None) -> Path:
    repo = tmp_path / "assignment"
    shutil.copytree(CLASSROOM, repo)
    if student is not None:
        shutil.copy(student, repo / "backprop.py")
    return repo


def autograding_tests() -> list[dict]:
    return json.loads((CLASSROOM / ".github" / "classroom" / "autograding.json").read_text())[
        "tests"
    ]


def workflow_steps() -> list[dict[str, str]]:
    """The grader steps of the workflow: {id, test-name, setup-command, command, max-score}."""
    text = (CLASSROOM / ".github" / "workflows" / "classroom.yml").read_text()
    steps = []
    for block in re.split(r"\n    - name: ", text)[1:]:
        if "autograding-command-grader@v1" not in block:
            continue
        fields = dict(re.findall(r"^\s+([a-z-]+): (.*)$", block, re.M))
        steps.append({k: v.strip().strip("'") for k, v in fields.items()})
    return steps


def test_the_classroom_json_and_workflow_grade_the_same_commands():
    tests, steps = autograding_tests(), workflow_steps()
    assert [t["run"] for t in tests] == [s["command"] for s in steps]
    assert [t["name"] for t in tests] == [s["test-name"] for s in steps]
    assert [t["points"] for t in tests] == [int(s["max-score"]) for s in steps]
    assert [t["setup"] for t in tests] == [s["setup-command"] for s in steps]
    assert tests[0]["setup"] == "python3 -m pip install -r requirements.txt"
    for t in tests:
        assert set(t) == {
            "name",
            "setup",
            "run",
            "input",
            "output",
            "comparison",
            "timeout",
            "points",
        }
    text = (CLASSROOM / ".github" / "workflows" / "classroom.yml").read_text()
    ids = [s["id"] for s in steps]
    assert f"runners: {','.join(ids)}" in text
    for step_id in ids:
        assert f'{step_id.upper()}_RESULTS: "${{{{steps.{step_id}.outputs.result}}}}"' in text
    requirements = (CLASSROOM / "requirements.txt").read_text().split()
    assert "bpstep" in requirements and "pytest" in requirements


@pytest.mark.parametrize(
    "student, passes, fragment",
    [
        (SUBMISSIONS / "ada.py", [True, True, True], None),
        (SUBMISSIONS / "cy.py", [True, False, True], "(missing_l2): missing L2 term"),
    ],
    ids=["right", "missing_l2"],
)
def test_the_classroom_commands_score_a_student(tmp_path, student, passes, fragment):
    repo = classroom_copy(tmp_path, student)
    outputs = []
    for test in autograding_tests():
        out = run(["bash", "-c", test["run"]], repo)  # as the runner's shell runs it
        assert (out.returncode == 0) is passes[len(outputs)], out.stdout[-2000:]
        outputs.append(out.stdout)
    if fragment is not None:
        assert any(fragment in text for text in outputs)


def test_the_classroom_starter_fails_until_the_student_writes_it():
    with pytest.raises(AssertionError) as err:
        assert_backprop(CLASSROOM / "backprop.py")
    assert "NotImplementedError: output_delta: write δᴸ" in str(err.value).splitlines()[0]
