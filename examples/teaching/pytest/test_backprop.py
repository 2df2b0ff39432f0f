"""A teacher's tests of the students' backprop: one line per case, run with pytest.

Every student's file in ``submissions/`` (or in the folder named by $SUBMISSIONS) is checked by
bpstep against its engine, on each case below; a failing case's message is bpstep's report:
the first wrong quantity, the slip that fits its numbers, and a hint. ::

    pytest examples/teaching/pytest              # every student, every case
    pytest examples/teaching/pytest -k ada       # one student
    pytest examples/teaching/pytest -rA          # a line per student and case

The assignment: bpstep's four functions (``output_delta``, ``hidden_delta``, ``weight_grad``,
``bias_grad``) for any activation and cost, with L2 regularisation. ``require`` makes leaving
one out a failure (bpstep would otherwise use its own in its place).
"""

import os
from pathlib import Path

import pytest

from bpstep.testing import assert_backprop

FOLDER = Path(os.environ.get("SUBMISSIONS", Path(__file__).parent / "submissions"))
STUDENTS = sorted([*FOLDER.glob("*.py"), *FOLDER.glob("*.ipynb")])
FOUR = ["output_delta", "hidden_delta", "weight_grad", "bias_grad"]


@pytest.fixture(params=STUDENTS, ids=lambda path: path.stem)
def student(request):
    return request.param


def test_sigmoid_quadratic_on_xor(student):
    assert_backprop(student, require=FOUR)


def test_l2_regularisation(student):
    assert_backprop(student, l2=0.1, require=FOUR)


def test_softmax_cross_entropy_on_digits(student):
    assert_backprop(student, preset="softmax", iterations=1, require=FOUR)


def test_relu_hidden_layers(student):
    assert_backprop(
        student,
        data="blobs",
        layers=[2, 8, 8, 3],
        activation="relu,relu,softmax",
        cost="cross_entropy",
        require=FOUR,
    )
