"""The learner corpus in tests/learners/ (issue 11) is what its manifest says it is.

Proved with the plain-NumPy harness in tests/learners/harness.py, independently of bpstep's
checker: correct files agree with central differences of their own loss, every slip file differs
from its shape's correct file first at the quantity and layer the manifest names (and only with
the options the manifest gives), float32 files agree to float32's precision and no better.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from learners import harness as h

MANIFEST = h.manifest()
CORRECT = [e for e in MANIFEST if e["slip"] is None]
SLIPS = [e for e in MANIFEST if e["slip"] not in (None, "precision")]
PRECISION = [e for e in MANIFEST if e["slip"] == "precision"]
OPTION_KEYS = {"l2", "activation", "cost"}
BPSTEP4_CONFIGS = [
    {"activation": "sigmoid", "cost": "quadratic"},
    {"activation": "tanh,sigmoid", "cost": "cross_entropy"},
    {"activation": "relu,softmax", "cost": "cross_entropy"},
    {"activation": "sigmoid,softmax", "cost": "quadratic"},
]


def ids(entry: dict) -> str:
    return entry["file"]


def option_sets(entry: dict) -> list[dict]:
    """The problems a correct file is proved on: λ = 0 and λ ≠ 0 where the shape reads λ, every
    activation and cost for bpstep's four functions, both cost classes for network2."""
    base = [{}]
    if entry["shape"] == "bpstep4":
        base = BPSTEP4_CONFIGS
    if entry["file"] == "nielsen/network2.py":
        base = [{}, {"cost": "QuadraticCost"}]
    if entry["shape"] in h.READS_L2:
        return [{**b, "l2": l2} for b in base for l2 in (0.0, h.L2)]
    return base


def header_of(path: Path) -> str:
    if path.suffix == ".ipynb":
        return "".join(json.loads(path.read_text(encoding="utf-8"))["cells"][0]["source"])
    return path.read_text(encoding="utf-8").split('"""')[1]


# ---------------------------------------------------------------- the manifest


def test_manifest_lists_every_file_of_the_corpus_once():
    on_disk = {
        str(p.relative_to(h.ROOT))
        for p in h.ROOT.glob("*/*")
        if p.suffix in (".py", ".ipynb") and "__pycache__" not in p.parts
    }
    listed = [e["file"] for e in MANIFEST]
    assert len(listed) == len(set(listed))
    assert set(listed) == on_disk
    assert {e["shape"] for e in MANIFEST} == set(h.SHAPES)


@pytest.mark.parametrize("entry", MANIFEST, ids=ids)
def test_manifest_entry_is_well_formed(entry):
    assert entry["shape"] in h.SHAPES
    assert entry["slip"] is None or entry["slip"] in h.SLIPS
    assert entry["ok"] is (entry["slip"] in (None, "precision"))
    assert set(entry["options"]) <= OPTION_KEYS
    assert entry["note"] and entry["source"]
    assert "Source:" in header_of(h.ROOT / entry["file"]), "each file cites its source at the top"
    if entry["reference"] is not None:
        ref = h.entry_for(entry["reference"])
        assert ref["slip"] is None and ref["shape"] == entry["shape"]
    for origin in [entry["origin"]] + [a["origin"] for a in entry.get("also", [])]:
        if entry["ok"]:
            assert origin is None
            continue
        assert entry["reference"] is not None
        assert origin["quantity"] in h.QUANTITIES
        assert 1 <= origin["layer"] <= h.layers_of(entry)
        assert defines(h.load(entry["file"]).ns, entry["shape"], origin["function"])


def defines(ns: dict, shape: str, function: str) -> bool:
    """The origin's function is the learner's own: a method of the shape's class, or defined."""
    owner = {"nielsen": "Network", "cs231n": "TwoLayerNet"}.get(shape)
    return hasattr(ns[owner], function) if owner else callable(ns.get(function))


# ---------------------------------------------------------------- (a) correct files


@pytest.mark.parametrize("entry", CORRECT, ids=ids)
def test_correct_file_matches_central_differences_of_its_own_loss(entry):
    for options in option_sets(entry):
        errors = h.own_fd_errors(entry, options)
        worst = max(errors, key=errors.get)
        assert errors[worst] < 1e-6, f"{options}: {worst} off by {errors[worst]:.1e}"


@pytest.mark.parametrize("entry", [e for e in CORRECT if e["reference"]], ids=ids)
def test_correct_file_in_other_conventions_agrees_with_the_shapes_first(entry):
    """Octave's label 1..K and (:) order, a loop instead of matrices, a notebook: same numbers."""
    for options in option_sets(entry):
        for key, rel in h.differences(entry, options):
            assert rel < h.AGREE, f"{options}: {key} differs by {rel:.1e}"


def test_the_harness_lesson_functions_match_central_differences():
    """bpstep4 files that define only some functions fall back to these, as in bpstep."""
    nobody = h.Learner(h.ROOT / "bpstep4" / "none.py", {})
    for config in BPSTEP4_CONFIGS:
        errors = h.fd_bpstep4(nobody, {**config, "l2": h.L2})
        assert max(errors.values()) < 1e-6, config


def test_relu_problems_keep_clear_of_the_kink():
    """Central differences across max(0, z) at z ≈ 0 would be wrong: every |z| is far from 0."""
    params, X, _ = h.cs231n_problem({})
    zs = [X @ params["W1"] + params["b1"]]
    for part in ("deep", "gradient_check"):
        parameters, A, _ = h.dlai_problem(part, {})
        for m in range(1, len(h.DLAI_DIMS[part]) - 1):
            zs.append(parameters[f"W{m}"] @ A + parameters[f"b{m}"])
            A = np.maximum(zs[-1], 0)
    net = h.bpstep4_net({"activation": "relu,softmax"})
    zs += net.forward()[0][1:-1]
    assert h.relu_kinks_clear(zs) > 1e-3


# ---------------------------------------------------------------- (b) slip files


@pytest.mark.parametrize("entry", SLIPS, ids=ids)
def test_slip_differs_first_where_the_manifest_says(entry):
    seen = h.measure(entry)
    shows = h.where_it_shows(entry, entry["origin"])
    assert seen["first"] in shows, f"first difference at {seen['first']}, named {shows}"
    for key in shows:
        assert seen["diffs"][key] > h.DIFFER, f"{key} differs by only {seen['diffs'][key]:.1e}"
    if sibling := h.untouched_sibling(entry, entry["origin"]):
        assert seen["diffs"][sibling] < h.AGREE, f"{sibling} differs too: a slip in δ?"
    for also in entry.get("also", []):
        diffs = dict(h.differences(entry, also["options"]))
        for key in h.where_it_shows(entry, also["origin"]):
            assert diffs[key] > h.DIFFER, f"also {also['slip']}: {key} by {diffs[key]:.1e}"


@pytest.mark.parametrize("entry", [e for e in SLIPS if e["options"]], ids=ids)
def test_slip_needs_the_options_the_manifest_gives(entry):
    """Without them (λ = 0, sigmoid layers, the default cost) the slip does not show: the file
    agrees everywhere, unless the manifest lists another slip that shows without options."""
    diffs = dict(h.differences(entry, {}))
    for key in h.where_it_shows(entry, entry["origin"]):
        assert diffs[key] < h.AGREE, f"{key} differs by {diffs[key]:.1e} without options"
    if not any(not also["options"] for also in entry.get("also", [])):
        for key, rel in diffs.items():
            assert rel < h.AGREE, f"{key} differs by {rel:.1e} without {entry['options']}"


L2_ON_BIAS = [e for e in SLIPS if e["slip"] == "l2_on_bias"]


@pytest.mark.parametrize("entry", L2_ON_BIAS, ids=ids)
def test_l2_on_bias_passes_unseen_when_the_biases_are_zero(entry):
    """The false pass of issue 11: at initialisation b = 0, so λb adds nothing."""
    for key, rel in h.differences(entry, {**entry["options"], "zero_bias": True}):
        assert rel < h.AGREE, f"{key} differs by {rel:.1e} with b = 0"


def test_a_slip_consistent_with_its_own_loss_agrees_with_its_finite_differences():
    """Θ regularised whole in J and gradient alike: only the exercise's convention shows it."""
    entry = h.entry_for("ng_ex4/nnCostFunction_octave_order_reg_all_theta.py")
    assert max(h.own_fd_errors(entry, entry["options"]).values()) < 1e-6
    assert h.measure(entry)["first"] == (2, "loss")


def test_temp_row_slip_writes_into_the_callers_parameters():
    entry = h.entry_for("ng_ex4/nnCostFunction_temp_row.py")
    nn_params, X, y = h.ng_problem(entry["conventions"], {})
    given = nn_params.copy()
    h.load(entry["file"]).ns["nnCostFunction"](given, 3, 5, 3, X, y, 0.0)
    assert not np.array_equal(given, nn_params)
    assert np.all(given[:4] == 0)  # Theta1's first row, which temp1[0] = 0 zeroed


# ---------------------------------------------------------------- (c) float32 files


@pytest.mark.parametrize("entry", PRECISION, ids=ids)
def test_float32_file_agrees_to_float32_precision_and_no_better(entry):
    for options in option_sets(entry):
        worst = max(rel for _, rel in h.differences(entry, options))
        assert h.AGREE < worst < h.FLOAT32, f"{options}: worst {worst:.1e}"


# ---------------------------------------------------------------- as learners have them


@pytest.mark.parametrize("shape", h.SHAPES)
def test_each_shape_has_files_as_learners_have_them(shape):
    """Imports that fail here and top-level training or plotting, which the loader leaves out."""
    skipped = [s for e in MANIFEST if e["shape"] == shape for s in h.load(e["file"]).skipped]
    assert any("ModuleNotFoundError" in s for s in skipped)
    assert any(s.endswith("(top-level code)") for s in skipped)


def test_notebooks_are_nbformat_4_with_magics_and_shell_lines():
    books = sorted((h.ROOT / "notebooks").glob("*.ipynb"))
    assert len(books) >= 3
    for path in books:
        nb = json.loads(path.read_text(encoding="utf-8"))
        assert nb["nbformat"] == 4
        lines = [ln for c in nb["cells"] if c["cell_type"] == "code" for ln in c["source"]]
        assert any(ln.lstrip().startswith("%") for ln in lines), path.name
        code = h.code_of(path)
        assert not any(ln.lstrip().startswith(("%", "!")) for ln in code.splitlines())
