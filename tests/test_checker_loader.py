"""Loading a learner's file as it is (bpstep.checker.loader): what runs, what is skipped, why."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from bpstep.checker.loader import exec_module
from bpstep.engine.errors import UserCodeError
from bpstep.session import Session, build_config
from bpstep.session.usergrads import check_session, load_user_module

GOOD_BIAS = "def bias_grad(delta):\n    return delta.mean(axis=1, keepdims=True)\n"


def write(tmp_path: Path, source: str, name: str = "mine.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def notebook(tmp_path: Path, *cells: str, name: str = "mine.ipynb") -> Path:
    doc = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# my assignment"]},
            *(
                {
                    "cell_type": "code",
                    "metadata": {},
                    "execution_count": None,
                    "outputs": [],
                    "source": textwrap.dedent(c).splitlines(keepends=True),
                }
                for c in cells
            ),
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 2,
    }
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def test_training_code_plots_and_failing_imports_do_not_stop_the_check(tmp_path):
    path = write(
        tmp_path,
        """
        import numpy as np, mnist_loader
        import matplotlib.pyplot as plt
        SIZES = [2, 3, 1]
        relu = lambda z: np.maximum(0, z)
        data = mnist_loader.load_data_wrapper()
        for epoch in range(30):
            print(epoch)
        plt.plot([1, 2, 3])
        def bias_grad(delta):
            return delta.mean(axis=1, keepdims=True)
        history = bias_grad(np.ones((3, 4)))  # a call of their own code: not run
        if __name__ == "__main__":
            raise SystemExit("training")
        """,
    )
    module, report = exec_module(path)
    assert module.SIZES == [2, 3, 1] and callable(module.relu)
    why = {s["code"]: s["why"] for s in report["skipped"]}
    assert "No module named 'mnist_loader'" in why["import numpy as np, mnist_loader"]
    assert "No module named 'matplotlib'" in why["import matplotlib.pyplot as plt"]
    assert "needs mnist_loader" in why["data = mnist_loader.load_data_wrapper()"]
    assert "loop" in why["for epoch in range(30):"] and "not needed" in why["plt.plot([1, 2, 3])"]
    assert "calls bias_grad(…)" in why["history = bias_grad(np.ones((3, 4)))"]
    assert "__main__" in why['if __name__ == "__main__":']
    assert not hasattr(module, "history")


def test_imports_that_fall_back_and_future_annotations_run_as_written(tmp_path):
    path = write(
        tmp_path,
        """
        from __future__ import annotations
        try:
            import cupy as xp
        except ImportError:
            import numpy as xp
        def bias_grad(delta: Later) -> Later:  # a forward reference: fine with the future import
            return xp.mean(delta, axis=1, keepdims=True)
        class Later:
            pass
        """,
    )
    module, report = exec_module(path)
    assert module.xp.__name__ in ("numpy", "cupy") and report["skipped"] == []


def test_a_notebook_runs_its_code_cells_in_order_without_magics_and_shell_lines(tmp_path):
    path = notebook(
        tmp_path,
        "import numpy as np\n%matplotlib inline\n!pip install nothing\nnp.sum?\n",
        "%%time\nraise RuntimeError('a cell magic: not Python')\n",
        "SCALE = 1\n",
        "def bias_grad(delta):\n    return SCALE * delta.mean(axis=1, keepdims=True)\n",
    )
    report = check_session(load_user_module(path), Session(build_config("xor")), 1)
    assert report.ok and report.skipped == []


def test_a_syntax_error_in_a_notebook_cell_names_the_cell(tmp_path):
    path = notebook(tmp_path, "import numpy as np\n", "def bias_grad(delta)\n    return delta\n")
    with pytest.raises(UserCodeError, match=r"mine\.ipynb \(cell 3\):1: syntax error"):
        load_user_module(path)


def test_python_2_code_is_a_usage_error_that_says_so(tmp_path):
    path = write(tmp_path, GOOD_BIAS + 'print "Epoch complete"\n')
    with pytest.raises(UserCodeError, match=r"mine\.py:3: syntax error: .*Python 2 code\?"):
        load_user_module(path)


def test_a_notebook_that_is_not_json_is_a_usage_error(tmp_path):
    path = tmp_path / "mine.ipynb"
    path.write_text("def bias_grad(delta): pass")
    with pytest.raises(UserCodeError, match="not a Jupyter notebook"):
        load_user_module(path)


def test_a_class_that_needs_a_skipped_name_is_an_error_naming_it(tmp_path):
    source = (Path(__file__).parent / "learners_checker" / "nielsen_network.py").read_text()
    source = source.replace(
        "return output_activations - y", "return (output_activations - y) * SCALE"
    )
    source = source.replace("import random\n", "import random\nSCALE = load_scale()\n")
    path = write(tmp_path, source)
    code = load_user_module(path)
    report = check_session(code, Session(build_config("xor")), 1)
    assert {r.function for r in report.findings} == {"backprop", "update_mini_batch"}
    for r in report.findings:
        assert r.status == "error"
        assert r.message.startswith("Network needs SCALE, which was not set")
        assert "load_scale" in r.message
