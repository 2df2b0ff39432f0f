"""The session, harder: random configurations and random walks mixing steps, backs and runs (fast
path and stop by stop), non-finite detection by both paths, the checkpoint store's byte bound,
load refusals, configuration validation and watch settings."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_session import same, snapshot

from bpstep import ConfigError, DataError
from bpstep.session import (
    EPOCH_END,
    NormWatch,
    Phase,
    Session,
    SessionConfig,
    StopId,
    build_config,
    load_session,
    save_session,
)
from bpstep.session.history import Checkpoint, CheckpointStore
from bpstep.session.saveload import FORMAT

ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"]


@st.composite
def configs(draw) -> SessionConfig:
    data = draw(st.sampled_from(["xor", "blobs:n=20"]))
    hidden = draw(st.lists(st.integers(1, 4), min_size=0, max_size=2))
    acts = draw(st.lists(st.sampled_from(ACTIVATIONS), min_size=len(hidden), max_size=len(hidden)))
    out = "softmax" if data != "xor" and draw(st.booleans()) else "sigmoid"
    cost = draw(st.sampled_from(["quadratic", "cross_entropy"]))
    return SessionConfig(
        data=data,
        hidden=hidden,
        activation=[*acts, out],
        cost=cost,
        lr=draw(st.sampled_from([0.1, 0.5, 2.0])),
        batch_size=draw(st.integers(1, 7)),  # often not a divisor: a partial last batch
        l2=draw(st.sampled_from([0.0, 0.01])),
        optimizer=draw(st.sampled_from(["sgd", "momentum", "adam"])),
        init=draw(st.sampled_from(["normal", "xavier", "he"])),
        seed=draw(st.integers(0, 3)),
    )


MOVES = ["step", "step", "step", "back", "back", "back5", "phase", "iteration", "epoch", "bp"]


@given(configs(), st.lists(st.sampled_from(MOVES), min_size=1, max_size=40), st.randoms())
@settings(max_examples=30)
def test_random_walks_with_runs_reproduce_a_straight_replay(config, moves, rnd):
    """Every stop visited, however it was reached (steps, backs, fast or slow runs), equals the
    same stop reached by stepping straight from the start in a fresh session."""
    s = Session(config)
    seen: dict[int, dict] = {0: snapshot(s)}
    for move in moves:
        if move == "step":
            s.step()
        elif move == "back":
            s.back()
        elif move == "back5":
            for _ in range(5):
                s.back()
        elif move == "phase":
            s.run_phase()
        elif move == "iteration":
            s.run_iteration()
        elif move == "epoch":
            s.run_epoch()  # the fast path unless a breakpoint is set
        else:
            s.breakpoints.toggle(rnd.choice(s.stops))
        snap = snapshot(s)
        if s.index in seen:
            assert same(seen[s.index], snap), f"stop {s.index} differs on a second visit"
        seen[s.index] = snap
    fresh = Session(config)
    while fresh.index < max(seen):
        fresh.step()
        if fresh.index in seen:
            assert same(seen[fresh.index], snapshot(fresh)), f"stop {fresh.index}"


def test_last_partial_batch_counts_as_a_batch():
    s = Session(SessionConfig(data="xor", batch_size=3))
    assert s.iterations_per_epoch == 2
    s.run_to(s.stops_per_iteration)
    first = set(s.batch_indices.tolist())
    s.run_to(2 * s.stops_per_iteration)
    second = set(s.batch_indices.tolist())
    assert len(first) == 3 and len(second) == 1 and first | second == {0, 1, 2, 3}
    assert s.completed_epochs == 1


def test_shuffle_depends_on_seed_and_epoch_only():
    a = Session(SessionConfig(data="blobs:n=40", batch_size=8, seed=1))
    b = Session(SessionConfig(data="blobs:n=40", batch_size=8, seed=1, lr=0.1))
    orders = []
    for s in (a, b):
        s.run_to(s.stops_per_iteration)
        orders.append(s.batch_indices.copy())
    assert np.array_equal(*orders)
    expected = np.random.default_rng([1, 1]).permutation(a.n_train)[:8]
    assert np.array_equal(orders[0], expected)


def bad_session(**kw) -> Session:
    cfg = dict(data="blobs:n=60", hidden=[6], batch_size=7, lr=1e6, activation="identity")
    cfg.update(kw)
    return Session(SessionConfig(**cfg))


def test_fast_and_slow_paths_stop_at_the_same_nonfinite_stop():
    fast = bad_session()
    r_fast = fast.run_epochs(5)
    slow = bad_session()
    slow.watches.norms.append(NormWatch("delta", above=1e300))  # forces stop-by-stop checks
    r_slow = slow.run_epochs(5)
    assert r_fast.reason == r_slow.reason == "nonfinite"
    assert fast.index == slow.index and r_fast.message == r_slow.message
    stop = fast.stop
    # the message names the tensor, the layer and where it happened
    where = "at the cost stop" if stop.layer is None else f"at {stop.phase.value} m={stop.layer}"
    assert where in r_fast.message
    assert f"(epoch {stop.epoch}, iteration {stop.iteration + 1})" in r_fast.message
    # and the stop before it is entirely finite
    fast.back()
    for m in range(1, fast.L + 1):
        for v in fast.tensors(m).values():
            assert np.isfinite(v).all()


def test_exploding_gradient_watch_and_layer_filter():
    s = bad_session(lr=0.05)
    s.watches.norms.append(NormWatch("grad_W", layer=1, above=1e-9))
    r = s.run_epoch()
    assert r.reason == "watch" and s.stop.id == StopId(Phase.BACKWARD, 1)
    assert "∂Ĵ/∂W¹" in r.message and "exploding" in r.message


@pytest.mark.parametrize(
    "kw",
    [
        dict(tensor="z", below=1.0),
        dict(tensor="delta"),
        dict(tensor="delta", below=-1.0),
        dict(tensor="delta", above=float("nan")),
        dict(tensor="delta", layer=0, below=1.0),
    ],
)
def test_bad_watches_are_refused(kw):
    with pytest.raises(ConfigError) as info:
        NormWatch(**kw)
    assert "\n" not in str(info.value)


def test_epoch_breakpoint_with_the_fast_path_stops_at_each_epoch_end():
    s = Session(SessionConfig(data="blobs:n=60", hidden=[4], batch_size=7))
    s.breakpoints.add(EPOCH_END)
    for epoch in (1, 2):
        r = s.run_epochs(5)
        assert r.reason == "breakpoint" and s.completed_epochs == epoch
        assert s.index == epoch * s.iterations_per_epoch * s.stops_per_iteration
        assert s.stop.id == StopId(Phase.UPDATE, s.L) and "delta" in s.tensors(1)


def test_cancel_during_a_stop_by_stop_run_is_quick():
    s = Session(SessionConfig(data="digits", hidden=[30], batch_size=10, lr=3.0))
    s.watches.norms.append(NormWatch("delta", above=1e300))  # never fires, but no fast path
    cancel = threading.Event()
    threading.Timer(0.2, cancel.set).start()
    t = time.monotonic()
    r = s.run_epochs(1000, cancel=cancel)
    assert r.reason == "cancelled" and time.monotonic() - t < 5  # typically well under 1 s
    ahead = snapshot(s)
    s.back()
    s.step()
    assert same(ahead, snapshot(s))


def test_after_a_fast_path_cancel_the_stop_is_where_the_session_is():
    s = Session(SessionConfig(data="digits", hidden=[30], batch_size=10, lr=3.0))
    cancel = threading.Event()
    threading.Timer(0.2, cancel.set).start()
    r = s.run_epochs(1000, cancel=cancel)
    assert r.reason == "cancelled" and r.stop is s.stop and s.stop.index == s.index > 0
    ahead = snapshot(s)
    s.back()
    s.step()
    assert same(ahead, snapshot(s))


def test_checkpoint_store_respects_its_byte_bound():
    sizes = [50, 40, 10]
    ws = [np.zeros((n, m)) for m, n in zip(sizes[:-1], sizes[1:], strict=True)]
    bs = [np.zeros((n, 1)) for n in sizes[1:]]
    ck = Checkpoint(ws, bs, {})
    budget = 30 * ck.nbytes
    store = CheckpointStore(ck, stops_per_iteration=7, history_stops=1000, budget=budget)
    assert store.spacing > 1 and store.max_bytes <= budget
    most = 0
    for g in range(1, 2000):
        store.keep(g, ck)
        most = max(most, store.nbytes)
        assert store.reaches(max(0, g - store.reach + 1))  # 1,000 stops back are reachable
    assert most <= store.max_bytes


def test_history_byte_accounting_on_a_network():
    s = Session(SessionConfig(data="digits", hidden=[100], batch_size=10, optimizer="adam"))
    s.run_to(1500)
    from bpstep.session.history import HISTORY_BUDGET

    assert s.history_bytes() <= HISTORY_BUDGET + s.checkpoint_bytes
    for _ in range(1000):
        assert s.can_back()
        s.back()
    assert s.index == 500


def test_back_within_an_iteration_does_not_replay_earlier_iterations(monkeypatch):
    s = Session(SessionConfig(data="digits", hidden=[30], batch_size=10))
    s.run_to(5 * s.stops_per_iteration + 4)
    calls = []
    monkeypatch.setattr(s, "_fast_iteration", lambda g: calls.append(g))
    for _ in range(3):
        s.back()
    assert calls == [] and s.index == 5 * s.stops_per_iteration + 1


# ------------------------------------------------------------------ load refusals


def test_load_refuses_files_that_are_not_sessions(tmp_path):
    s = Session(SessionConfig())
    good = tmp_path / "good.npz"
    save_session(s, good)
    cases = {}
    npy = tmp_path / "array.npy"
    np.save(npy, np.zeros(3))
    cases[npy] = "single NumPy array"
    text = tmp_path / "text.npz"
    text.write_text("hello\n")
    cases[text] = "not a complete .npz"
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    cases[empty] = "not a complete .npz"
    noversion = tmp_path / "noversion.npz"
    np.savez(noversion, format=np.array(FORMAT))
    cases[noversion] = "no format version"
    newer = tmp_path / "newer.npz"
    np.savez(newer, format=np.array(FORMAT), version=np.array(99))
    cases[newer] = "newer bpstep"
    with np.load(good) as z:
        data = {k: z[k] for k in z.files}
    damaged = tmp_path / "damaged.npz"
    np.savez(damaged, **{k: v for k, v in data.items() if k != "W2"})
    cases[damaged] = "incomplete"
    wrong = tmp_path / "wrong.npz"
    np.savez(wrong, **{**data, "W1": np.zeros((5, 5))})
    cases[wrong] = "cannot load"
    for path, fragment in cases.items():
        with pytest.raises(DataError) as info:
            load_session(path)
        assert fragment in str(info.value) and "\n" not in str(info.value), path.name


def test_load_at_an_epoch_end_and_at_start(tmp_path):
    for stops in (0, 1, 7 * 3):
        a = Session(SessionConfig(data="xor", batch_size=2))
        a.run_to(stops)
        save_session(a, tmp_path / "s.npz")
        b = load_session(tmp_path / "s.npz")
        assert same(snapshot(a), snapshot(b))
        a.run_epochs(3)
        b.run_epochs(3)
        assert same(snapshot(a), snapshot(b))


# ------------------------------------------------------------------ configuration


@pytest.mark.parametrize(
    "kw, fragment",
    [
        (dict(test_fraction=1.0), "[0, 1)"),
        (dict(test_fraction="x"), "[0, 1)"),
        (dict(n_train=0), "n_train"),
        (dict(n_train=2.5), "n_train"),
        (dict(hidden=[3, 3], activation=["sigmoid", "tanh"]), "one per layer (3)"),
        (dict(activation=[]), "--activation"),
        (dict(seed=-1), "--seed"),
        (dict(batch_size=True), "--batch-size"),
    ],
)
def test_more_bad_settings_are_refused_in_one_line(kw, fragment):
    with pytest.raises(ConfigError) as info:
        SessionConfig(**kw).validate()
    assert fragment in str(info.value) and "\n" not in str(info.value)


# ------------------------------------------------------------------ presets train as described


def test_xor_preset_is_solved_in_a_few_hundred_epochs():
    s = Session(build_config("xor"))
    s.run_epochs(400)
    last = s.history[-1]
    assert last.train_accuracy == 1.0 and last.train_cost < 0.05


@pytest.mark.parametrize("name", ["digits", "softmax"])
def test_digits_presets_learn_in_a_few_epochs(name):
    s = Session(build_config(name))
    s.run_epochs(5)
    assert s.history[-1].test_accuracy > 0.9
    assert s.history[-1].test_cost < s.history[0].test_cost
