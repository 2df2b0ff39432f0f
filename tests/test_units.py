"""Units that stopped learning (issue 12, section 4): saturated σ/tanh units and dead ReLUs,
counted per layer, marked on the screen, and a watch that stops a run at them."""

from __future__ import annotations

import numpy as np
import pytest

from bpstep.engine.errors import ConfigError
from bpstep.session import (
    Phase,
    RunReason,
    Session,
    StopId,
    build_config,
    load_session,
    save_session,
)
from bpstep.session.units import SATURATED_FPRIME, dead, saturated, unit_health
from bpstep.session.watches import UnitWatch, WatchSet, parse_watch
from bpstep.tui.app import BpstepApp


def test_saturated_means_a_small_derivative_on_most_of_the_batch():
    z = np.array([[0.0, 0.1, -0.2, 0.3], [5.0, -6.0, 4.0, 0.0], [5.0, 0.0, 0.0, 0.0]])
    a = 1 / (1 + np.exp(-z))
    # unit 2: σ′ < 0.1 on 3 of 4 samples; unit 3: on 1 of 4 only
    assert saturated(z, a, "sigmoid").tolist() == [False, True, False]
    assert saturated(z, np.tanh(z), "tanh").tolist() == [False, True, False]
    assert not saturated(z, np.maximum(z, 0), "relu").any()  # a ReLU does not saturate
    assert 1 / (1 + np.exp(-2.07)) * (1 - 1 / (1 + np.exp(-2.07))) < SATURATED_FPRIME


def test_dead_means_z_at_most_0_on_the_whole_batch():
    z = np.array([[-1.0, -0.5, 0.0], [-1.0, 0.2, -3.0]])
    assert dead(z, "relu").tolist() == [True, False]
    assert not dead(z, "leaky_relu").any() and not dead(z, "sigmoid").any()


def test_the_vanishing_preset_has_saturated_units_at_its_first_iteration():
    s = Session(build_config("vanishing"))
    s.run_to(s.L)  # the forward pass
    health = unit_health(s)
    counts = [len(health[m].saturated) for m in range(1, s.L + 1)]
    for m in range(1, s.L + 1):  # against the definition, computed here
        a = s.tensors(m)["a"]
        expected = int((np.mean(a * (1 - a) < 0.1, axis=1) > 0.5).sum())
        assert len(health[m].saturated) == expected
    assert counts[:4] == [1, 1, 2, 1] and sum(counts) >= 4
    assert health[3].counts == "2 saturated" and health[3].short == "2 sat"


def test_a_relu_layer_with_a_negative_bias_has_dead_units():
    s = Session(build_config("xor", activation=["relu", "sigmoid"]))
    s.network.biases[0][1] = -100.0  # unit 2 of layer 1 never fires
    s.step()
    h = unit_health(s)[1]
    z = s.tensors(1)["z"]
    assert h.dead == tuple(np.flatnonzero((z <= 0).all(axis=1))) == (1, 2)  # unit 3: b¹₃ < 0 too
    assert h.counts == "2 dead"


def test_unit_watch_specs_and_their_one_line_errors():
    w = parse_watch("saturated:2>3")
    assert isinstance(w, UnitWatch) and (w.kind, w.layer, w.more_than) == ("saturated", 2, 3)
    assert w.spec == "saturated²>3"
    d = parse_watch("dead")
    assert (d.kind, d.layer, d.more_than) == ("dead", None, 0) and d.spec == "deadᵐ"
    for bad in ("saturated:x", "dead<3", "sat"):
        with pytest.raises(ConfigError, match="saturated, dead:1>3") as err:
            parse_watch(bad)
        assert "\n" not in str(err.value)
    with pytest.raises(ConfigError, match="layer must be an integer ≥ 1"):
        UnitWatch("dead", layer=0)


def test_a_saturation_watch_stops_a_run_at_the_forward_stop():
    s = Session(build_config("vanishing"))
    s.watches.add(parse_watch("saturated:3>1"))
    r = s.run_epoch()
    assert r.reason is RunReason.WATCH and s.stop.id == StopId(Phase.FORWARD, 3)
    assert r.message.startswith("watch: 2 of 30 units of layer 3 are saturated")
    assert "(epoch 1, iteration 1)" in r.message


def test_unit_watches_are_saved_and_an_older_file_without_them_loads(tmp_path):
    s = Session(build_config("xor"))
    s.watches.add(parse_watch("dead:1>2"))
    s.step()
    loaded = load_session(save_session(s, tmp_path / "s.npz"))
    assert [vars(w) for w in loaded.watches.units] == [{"kind": "dead", "layer": 1, "more_than": 2}]
    old = WatchSet.from_dict({"cost_rising": True, "norms": []})  # saved before unit watches
    assert old.units == [] and old.cost_rising


async def test_the_network_pane_and_tensor_list_mark_the_vanishing_presets_units():
    app = BpstepApp(Session(build_config("vanishing")))
    async with app.run_test(size=(140, 45)) as pilot:
        for _ in range(5):
            await pilot.press("n")  # the forward pass: every layer's z known
        lines = [s.text for s in app.screen._compositor.render_strips()]
        region = app.query_one("#network").region
        pane = [line[region.x : region.right] for line in lines[region.y : region.bottom]]
        row = next(line for line in pane if "units" in line)
        marks = row.split("units", 1)[1].strip(" │").split()
        assert marks == ["1", "sat", "1", "sat", "2", "sat", "1", "sat"]
        await pilot.press("k", "k")  # view layer 3
        region = app.query_one("#tensors").region
        lines = [s.text for s in app.screen._compositor.render_strips()]
        listing = "\n".join(
            line[region.x : region.right] for line in lines[region.y : region.bottom]
        )
        z_row = next(line for line in listing.splitlines() if " z³ " in line)
        expected = [j + 1 for j in unit_health(app.session)[3].saturated]
        assert f"⚠ 2 saturated: units {expected[0]}, {expected[1]}" in z_row
