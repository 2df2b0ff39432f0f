"""The autograder's tests: GitHub Classroom runs each one on every push (see .github/).

Run them yourself before you push: ``python -m pytest -q tests``. A failing test's message is
bpstep's report on your backprop.py: the first wrong quantity, the slip that fits its numbers
and a hint.
"""

from pathlib import Path

from bpstep.testing import assert_backprop

BACKPROP = Path(__file__).resolve().parents[1] / "backprop.py"
FOUR = ["output_delta", "hidden_delta", "weight_grad", "bias_grad"]


def test_sigmoid_quadratic():
    assert_backprop(BACKPROP, require=FOUR)


def test_l2_regularisation():
    assert_backprop(BACKPROP, l2=0.1, require=FOUR)


def test_softmax_cross_entropy():
    assert_backprop(BACKPROP, preset="softmax", iterations=1, require=FOUR)
