"""The stepping session: timeline, step/back determinism, runs, breakpoints, watches, save/load."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpstep import ConfigError, DataError
from bpstep.datasets import load_dataset
from bpstep.session import (
    EPOCH_END,
    EVERY_UPDATE,
    PRESETS,
    NormWatch,
    Phase,
    Session,
    SessionConfig,
    StopId,
    build_config,
    load_session,
    save_session,
)
from bpstep.session.session import HISTORY_BUDGET


def xor_session(**kw) -> Session:
    return Session(build_config("xor", **kw))


def small_blobs(**kw) -> Session:
    cfg = dict(data="blobs:n=60", hidden=[4], batch_size=7, lr=0.5)
    cfg.update(kw)
    return Session(SessionConfig(**cfg))


def snapshot(session: Session) -> dict:
    """Every number a screen could show at this stop."""
    out = {"index": session.index, "batch": session.batch_indices.copy()}
    for m in range(1, session.L + 1):
        for k, v in session.tensors(m).items():
            out[f"{k}{m}"] = np.array(v, copy=True)
    out["opt"] = {k: np.array(v, copy=True) for k, v in session.optimizer_state.items()}
    out["cost"] = session.stop.batch_cost
    out["history"] = list(session.history)
    return out


def same(a: dict, b: dict) -> bool:
    if a.keys() != b.keys():
        return False
    for k in a:
        x, y = a[k], b[k]
        if isinstance(x, np.ndarray):
            if x.shape != y.shape or not np.array_equal(x, y, equal_nan=True):
                return False
        elif isinstance(x, dict):
            if not same(x, y):
                return False
        elif x != y and not (x != x and y != y):
            return False
    return True


def test_one_iteration_is_3L_plus_1_stops_in_order():
    s = xor_session()
    ids = [s.step().id for _ in range(7)]
    assert ids == [
        StopId(Phase.FORWARD, 1),
        StopId(Phase.FORWARD, 2),
        StopId(Phase.COST),
        StopId(Phase.BACKWARD, 2),
        StopId(Phase.BACKWARD, 1),
        StopId(Phase.UPDATE, 1),
        StopId(Phase.UPDATE, 2),
    ]
    assert s.step().id == StopId(Phase.FORWARD, 1) and s.stop.global_iteration == 1


def test_tensors_known_at_a_stop_are_exactly_those_computed_so_far():
    s = xor_session()
    s.step()
    assert set(s.tensors(1)) == {"W", "b", "a_prev", "z", "a"}
    assert set(s.tensors(2)) == {"W", "b"}
    for _ in range(3):
        s.step()  # F2, cost, B2
    assert {"delta", "grad_W", "grad_b"} <= set(s.tensors(2))
    assert "delta" not in s.tensors(1)


@given(
    st.sampled_from(["sgd", "momentum", "adam"]),
    st.lists(st.sampled_from(["n", "p"]), min_size=1, max_size=60),
    st.integers(0, 5),
)
@settings(max_examples=25)
def test_back_then_forward_reproduces_every_number(optimizer, walk, seed):
    """A random walk of steps and backs; every stop must equal a fresh straight replay."""
    s = small_blobs(optimizer=optimizer, seed=seed)
    seen: dict[int, dict] = {0: snapshot(s)}
    for key in walk:
        s.step() if key == "n" else s.back()
        snap = snapshot(s)
        if s.index in seen:
            assert same(seen[s.index], snap), f"stop {s.index} differs on the second visit"
        seen[s.index] = snap
    fresh = small_blobs(optimizer=optimizer, seed=seed)
    while fresh.index < max(seen):
        fresh.step()
        if fresh.index in seen:
            assert same(seen[fresh.index], snapshot(fresh))


def test_back_across_epoch_boundaries_is_bit_exact_and_drops_later_history():
    s = small_blobs()
    per_epoch = s.iterations_per_epoch * s.stops_per_iteration
    target = per_epoch + 3
    while s.index < target:
        s.step()
    assert len(s.history) == 1
    ahead = snapshot(s)
    for _ in range(5):
        s.back()
    assert len(s.history) == 0  # the epoch's end is undone
    for _ in range(5):
        s.step()
    assert same(ahead, snapshot(s))


def test_history_reaches_1000_stops_back():
    s = xor_session()
    s.run_to(1200)
    for _ in range(1000):
        assert s.can_back()
        s.back()
    assert s.index == 200


def test_fast_runs_equal_stepping_bit_for_bit():
    fast, slow = small_blobs(), small_blobs()
    fast.run_epochs(2)
    while slow.index < fast.index:
        slow.step()
    assert same(snapshot(fast), snapshot(slow))


def test_run_kinds_end_where_they_should():
    s = small_blobs()
    r = s.run_phase()
    assert r.reason == "done" and s.stop.id == StopId(Phase.FORWARD, s.L)
    s.run_phase()
    assert s.stop.id.phase is Phase.COST
    s.run_iteration()
    assert s.stop.id == StopId(Phase.UPDATE, s.L)
    s.run_epoch()
    assert s.completed_epochs == 1 and s.index == s.iterations_per_epoch * s.stops_per_iteration
    s.run_epochs(3)
    assert s.completed_epochs == 4


def test_breakpoint_at_a_phase_and_layer_stops_a_run():
    s = small_blobs()
    s.breakpoints.add(StopId(Phase.BACKWARD, 1))
    r = s.run_epoch()
    assert r.reason == "breakpoint" and s.stop.id == StopId(Phase.BACKWARD, 1)
    assert "backward m=1" in r.message
    r = s.run_epoch()  # continues to the same stop of the next iteration
    assert s.stop.global_iteration == 1 and r.reason == "breakpoint"


def test_breakpoint_at_every_update_and_epoch_end():
    s = small_blobs()
    s.breakpoints.add(EVERY_UPDATE)
    s.run_epoch()
    assert s.stop.id == StopId(Phase.UPDATE, 1)
    s.breakpoints.clear()
    s.breakpoints.add(EPOCH_END)
    r = s.run_epochs(3)
    assert r.reason == "breakpoint" and s.completed_epochs == 1


def test_toggle_breakpoint():
    s = xor_session()
    where = StopId(Phase.COST)
    assert s.breakpoints.toggle(where) is True
    assert where in s.breakpoints
    assert s.breakpoints.toggle(where) is False


def test_nonfinite_watch_stops_at_the_first_stop_that_produced_it():
    s = small_blobs(lr=1e6, activation="identity", hidden=[6])
    r = s.run_epochs(5)
    assert r.reason == "nonfinite"
    assert "non-finite" in r.message and "smaller learning rate" in r.message
    # the previous stop is entirely finite: this is the first bad one
    before = xor_free = s.stop.index
    s.back()
    for m in range(1, s.L + 1):
        for v in s.tensors(m).values():
            assert np.isfinite(v).all()
    assert before == xor_free


def test_norm_watch_catches_vanishing_gradients():
    s = Session(build_config("vanishing"))
    s.watches.norms.append(NormWatch("delta", layer=1, below=1e-2))
    r = s.run_iteration()
    assert r.reason == "watch" and "δ¹" in r.message and "vanishing" in r.message
    assert s.stop.id == StopId(Phase.BACKWARD, 1)


def test_cost_rising_watch():
    s = xor_session(lr=60.0)
    s.watches.cost_rising = True
    r = s.run_epochs(30)
    assert r.reason == "watch" and "rose" in r.message
    costs = [h.train_cost for h in s.history]
    assert costs[-1] > costs[-2]


def test_cancel_from_another_thread_is_quick():
    s = Session(build_config("digits"))
    cancel = threading.Event()
    threading.Timer(0.2, cancel.set).start()
    t = time.monotonic()
    r = s.run_epochs(10_000, cancel=cancel)
    assert r.reason == "cancelled"
    assert time.monotonic() - t < 5  # typically 0.2 s + one batch; slack for a loaded CI machine
    s.step()  # still usable afterwards


def test_progress_is_reported():
    s = small_blobs()
    seen = []
    s.run_epochs(3, progress=lambda f, text: seen.append((f, text)))
    assert seen and seen[-1][0] == 1.0 and "epoch" in seen[-1][1]


def test_save_and_load_continue_exactly(tmp_path):
    a = small_blobs(optimizer="adam")
    a.run_epochs(2)
    for _ in range(5):
        a.step()
    a.breakpoints.add(StopId(Phase.COST))
    path = tmp_path / "s.npz"
    save_session(a, path)
    b = load_session(path)
    assert same(snapshot(a), snapshot(b))
    assert StopId(Phase.COST) in b.breakpoints
    a.breakpoints.clear()
    b.breakpoints.clear()
    a.run_epochs(2)
    b.run_epochs(2)
    assert same(snapshot(a), snapshot(b))
    assert [tmp.name for tmp in tmp_path.iterdir()] == ["s.npz"]  # no temp file left


def test_load_refuses_missing_truncated_and_foreign_files(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load_session(tmp_path / "nope.npz")
    s = xor_session()
    good = tmp_path / "good.npz"
    save_session(s, good)
    cut = tmp_path / "cut.npz"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(DataError, match="truncated or corrupt"):
        load_session(cut)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, X=np.zeros(3))
    with pytest.raises(DataError, match="not a saved bpstep session"):
        load_session(foreign)


def test_save_into_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        save_session(xor_session(), tmp_path / "no" / "s.npz")


def test_history_memory_is_bounded_on_784_100_10():
    from bpstep.datasets.synthetic import random_images

    d = random_images(200)
    s = Session(SessionConfig(data="random", layers=[784, 100, 10], batch_size=10), dataset=d)
    s.run_to(1100)
    assert s.history_bytes() <= HISTORY_BUDGET + s.checkpoint_bytes
    for _ in range(1000):
        s.back()
    assert s.index == 100


@pytest.mark.parametrize(
    "overrides, fragment",
    [
        ({"layers": [2, 0, 1]}, "positive integers"),
        ({"layers": [2]}, "at least two"),
        ({"activation": "swish"}, "accepted"),
        ({"cost": "hinge"}, "accepted"),
        ({"optimizer": "rmsprop"}, "accepted"),
        ({"lr": 0.0}, "> 0"),
        ({"lr": float("nan")}, "finite"),
        ({"batch_size": 0}, "positive integer"),
        ({"l2": -1.0}, "≥ 0"),
    ],
)
def test_bad_settings_are_refused_in_one_line(overrides, fragment):
    with pytest.raises(ConfigError) as info:
        build_config("xor", **overrides)
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_unknown_preset_lists_the_presets():
    with pytest.raises(ConfigError, match="xor, lesson, digits"):
        build_config("nope")


def test_layers_that_do_not_fit_the_data_are_refused():
    with pytest.raises(DataError, match="input layer"):
        Session(build_config("xor", layers=[3, 2, 1]))


def test_presets_build_and_show_their_point():
    for name in PRESETS:
        Session(build_config(name))
    ov = Session(build_config("overfit"))
    ov.run_epochs(150)
    h = ov.history
    assert h[-1].train_cost < 0.1 and h[-1].test_cost - h[-1].train_cost > 0.5
    assert h[-1].test_cost > min(r.test_cost for r in h)  # the test cost turned up again
    reg = Session(build_config("l2"))
    reg.run_epochs(150)
    r = reg.history[-1]
    assert r.test_cost - r.train_cost < h[-1].test_cost - h[-1].train_cost
    van = Session(build_config("vanishing"))
    van.run_to(van.stops_per_iteration)
    d1 = np.linalg.norm(van.tensors(1)["delta"])
    dL = np.linalg.norm(van.tensors(van.L)["delta"])
    assert d1 < 0.1 * dL


def test_digits_preset_uses_the_lessons_split():
    s = Session(build_config("digits"))
    assert s.dataset.n_train == 1437 and s.network.sizes == [64, 30, 10]
    assert s.iterations_per_epoch == 144
    assert load_dataset("digits").n_test == 360


def test_epoch_records_hold_the_data_cost_without_the_l2_term(tmp_path):
    s = small_blobs(l2=0.05)
    s.run_epochs(2)
    net, d = s.network, s.dataset
    reg = 0.5 * 0.05 * sum(float((W**2).sum()) for W in net.weights)
    rec = s.history[-1]
    assert rec.train_data_cost == pytest.approx(rec.train_cost - reg, rel=1e-12)
    assert rec.test_data_cost == pytest.approx(rec.test_cost - reg, rel=1e-12)
    assert rec.train_data_cost == net.data_cost(d.X_train, d.Y_train) < rec.train_cost
    path = tmp_path / "s.npz"
    save_session(s, path)
    assert load_session(path).history == s.history
    plain = small_blobs()
    plain.run_epochs(1)
    assert plain.history[0].train_data_cost == plain.history[0].train_cost  # λ = 0: J = Ĵ


def test_the_output_layer_shows_targets_and_per_sample_costs_after_the_cost_stop():
    s = xor_session()
    L = s.L
    while s.stop.id.phase is not Phase.COST:
        assert "C" not in s.tensors(L) and "y" not in s.tensors(L)
        s.step()
    t = s.tensors(L)
    np.testing.assert_array_equal(t["y"], s.Y_batch)
    assert t["C"].shape == (1, s.Y_batch.shape[1])
    np.testing.assert_allclose(t["C"].ravel(), 0.5 * ((t["a"] - t["y"]) ** 2).sum(axis=0))
    assert t["C"].mean() == pytest.approx(s.stop.batch_cost)  # xor: λ = 0
    assert "C" not in s.tensors(1)
    s.step()
    assert "C" in s.tensors(L)  # known for the rest of the iteration


def test_a_session_on_in_memory_data_loads_with_that_data_and_only_that(tmp_path):
    data = load_dataset("blobs:n=60", seed=3)
    cfg = SessionConfig(data="my-blobs", hidden=[4], batch_size=7, lr=0.5)
    a = Session(cfg, dataset=data)
    a.run_epochs(1)
    for _ in range(4):
        a.step()
    path = tmp_path / "mem.npz"
    save_session(a, path)
    with pytest.raises(DataError, match=r"in-memory data \('my-blobs'\).*dataset=\.\.\."):
        load_session(path)
    b = load_session(path, dataset=data)
    assert same(snapshot(a), snapshot(b))
    other = load_dataset("blobs:n=60", seed=4)
    with pytest.raises(DataError, match="not the data the session was saved with"):
        load_session(path, dataset=other)


def test_a_data_file_changed_since_the_save_is_refused(tmp_path):
    csv = tmp_path / "d.csv"
    rng = np.random.default_rng(0)
    rows = [f"{x:.3f},{y:.3f},{int(x + y > 0)}" for x, y in rng.normal(size=(40, 2))]
    csv.write_text("\n".join(rows) + "\n")
    a = Session(SessionConfig(data=str(csv), hidden=[3], batch_size=8))
    a.run_epochs(1)
    path = tmp_path / "s.npz"
    save_session(a, path)
    assert same(snapshot(a), snapshot(load_session(path)))
    csv.write_text("\n".join(rows[:-1] + ["9.0,9.0,1"]) + "\n")
    with pytest.raises(DataError, match=r"cannot load .*not the data the session was saved with"):
        load_session(path)


def test_a_loaded_session_steps_back_through_the_saved_history(tmp_path):
    a = small_blobs(optimizer="adam")
    a.run_epochs(2)
    for _ in range(5):
        a.step()
    path = tmp_path / "s.npz"
    save_session(a, path)
    b = load_session(path)
    assert len(b.checkpoints) == len(a.checkpoints) > 1
    for _ in range(150):  # back across iterations and an epoch boundary, bit for bit
        a.back()
        b.back()
        assert same(snapshot(a), snapshot(b)) and a.history == b.history
    assert a.completed_epochs < 2  # it did cross the epoch boundary
    for _ in range(40):
        a.step()
        b.step()
        assert same(snapshot(a), snapshot(b))


def test_a_big_networks_history_is_left_out_of_the_file(tmp_path, monkeypatch):
    from bpstep.session import saveload

    s = small_blobs()
    s.run_epochs(1)
    s.step()  # forward m=1 of the next iteration: one back reaches into the previous one
    assert s.can_back()
    monkeypatch.setattr(saveload, "SAVED_HISTORY_BYTES", 0)  # as for 784-100-10's 45 MB
    save_session(s, tmp_path / "s.npz")
    b = load_session(tmp_path / "s.npz")
    assert len(b.checkpoints) == 1 and b.can_back() is False


def test_a_saved_file_gets_the_usual_permissions_not_the_temp_files(tmp_path):
    import os

    path = tmp_path / "s.npz"
    umask = os.umask(0o022)
    try:
        save_session(xor_session(), path)
        assert path.stat().st_mode & 0o777 == 0o644  # as open(path, "w") would make it
        path.chmod(0o600)
        save_session(xor_session(), path)  # overwriting keeps the mode the user chose
        assert path.stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(umask)
    assert [p.name for p in tmp_path.iterdir()] == ["s.npz"]


def test_an_update_stop_shows_the_step_it_took():
    s = xor_session()
    while s.stop.id != StopId(Phase.UPDATE, 2):
        assert "dW" not in s.tensors(2)
        s.step()
    t = s.tensors(2)
    np.testing.assert_array_equal(t["dW"], t["W"] - t["W_before"])
    np.testing.assert_allclose(t["dW"], -s.config.lr * t["grad_W"], rtol=1e-12)  # plain SGD
    np.testing.assert_allclose(t["db"], -s.config.lr * t["grad_b"], rtol=1e-12)
    assert s.tensors(1)["dW"].shape == s.tensors(1)["W"].shape  # m = 1 was updated first


# ---------------------------------------------------------------- the session's state as a value


def test_state_then_resume_is_the_same_session_at_every_kind_of_stop():
    """state() out, resume(state) in: every number a screen shows, at each stop of two
    iterations and at the start."""
    s = small_blobs()
    for _ in range(2 * s.stops_per_iteration + 1):
        assert same(snapshot(s), snapshot(Session.resume(s.state(), s.dataset)))
        s.step()


def test_state_after_a_fast_run_names_the_stop_it_is_at():
    """After whole iterations by the fast path the start of the current iteration is rebuilt,
    so the state is of the stop the session is at (the cause of a wrong save mid-run)."""
    s = small_blobs()
    s.run_epochs(2)
    t = small_blobs()
    while t.index < s.index:
        t.step()
    assert same(snapshot(Session.resume(s.state(), s.dataset)), snapshot(t))


def test_state_is_refused_while_a_run_moves_the_session():
    from bpstep.session import SessionBusy

    s = Session(build_config("digits"))
    cancel = threading.Event()
    worker = threading.Thread(target=s.run_epochs, args=(50,), kwargs={"cancel": cancel})
    worker.start()
    try:
        for _ in range(200):
            if s.running:
                break
            time.sleep(0.005)
        with pytest.raises(SessionBusy, match="running"):
            s.state()
    finally:
        cancel.set()
        worker.join()
    assert not s.running and s.state().index == s.index


def test_runs_end_with_a_reason_value():
    from bpstep.session import RunReason

    s = xor_session()
    s.breakpoints.add(StopId(Phase.BACKWARD, 1))
    assert s.run_epochs(1).reason is RunReason.BREAKPOINT
    s.breakpoints.clear()
    assert s.run_epochs(1).reason is RunReason.DONE
    s.extra_checks.append(lambda stop: "mine" if stop.phase is Phase.UPDATE else None)
    r = s.run_epochs(1)
    assert r.reason is RunReason.CHECK and r.message == "mine"


def _saved(tmp_path, edit) -> str:
    """A saved xor session (two epochs in, history included) with one array edited."""
    s = xor_session()
    s.run_epochs(2)
    s.step()
    path = tmp_path / "s.npz"
    save_session(s, path)
    with np.load(path) as z:
        data = {k: z[k] for k in z.files}
    edit(data)
    bad = tmp_path / "bad.npz"
    np.savez(bad, **data)
    return str(bad)


@pytest.mark.parametrize(
    "edit, fragment",
    [
        (lambda d: d.__setitem__("W1", np.full_like(d["W1"], np.nan)), "NaN or infinite"),
        (lambda d: d.__setitem__("W2", np.zeros((7, 7))), "do not fit the network"),
        (lambda d: d.__setitem__("h0_W1", np.zeros((1, 9))), "do not fit the network"),
        (lambda d: d.__setitem__("history_keys", np.array([-3])), "negative iteration"),
        (lambda d: d.__setitem__("iter_costs", np.array('{"0": "abc"}')), "not a number"),
        (lambda d: d.__setitem__("index", np.array(-4)), "is not in iteration"),
        (lambda d: d.__setitem__("history", np.array('[{"epoch": "x"}]')), "damaged"),
    ],
)
def test_a_damaged_saved_session_is_refused_in_one_line(tmp_path, edit, fragment):
    with pytest.raises(DataError, match=fragment) as err:
        load_session(_saved(tmp_path, edit))
    assert "\n" not in str(err.value) and str(err.value).startswith("cannot load")


def test_saving_to_a_bare_name_says_where_it_went(tmp_path):
    assert save_session(xor_session(), tmp_path / "mine") == tmp_path / "mine.npz"
    assert load_session(tmp_path / "mine.npz").index == 0
