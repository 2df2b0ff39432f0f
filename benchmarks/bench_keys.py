"""Key-to-repaint latency of the debugger, on xor, digits and a 784-100-10 network.

Run: ``python benchmarks/bench_keys.py``. Drives the app headless (``App.run_test``) over 60
presses (five steps forward, one back, repeated). The latency of a key is measured inside the
app: from the moment its Key event is handled to the end of the last screen update (layout and
compositing) that it caused, i.e. what a user waits for in a real terminal. For comparison it
also prints the wall time of ``pilot.press`` + ``pilot.pause``, which adds Pilot's own idle waits
(about 80 ms here, that a real terminal does not have). Target: median well under 100 ms on
784-100-10.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

from bpstep.datasets.synthetic import random_images
from bpstep.session import Session, SessionConfig, build_config
from bpstep.tui.app import BpstepApp

PRESSES = 60


def big_session() -> Session:
    d = random_images(2000)
    cfg = SessionConfig(data="random", layers=[784, 100, 10], batch_size=32, lr=0.1)
    return Session(cfg, dataset=d)


def instrument(app: BpstepApp) -> dict:
    """Record when a key's action starts and when screen updates finish."""
    marks = {"key": 0.0, "painted": 0.0, "first": 0.0}

    def timed(action):
        def run(*args):
            marks["key"] = time.perf_counter()
            return action(*args)

        return run

    # the key's action is looked up on the instance, so wrapping it there times every press
    app.action_step = timed(app.action_step)
    app.action_step_back = timed(app.action_step_back)
    screen = app.screen
    original = screen._compositor_refresh

    def compositor_refresh(*a, **kw):
        out = original(*a, **kw)
        marks["painted"] = time.perf_counter()
        if marks["first"] < marks["key"]:
            marks["first"] = marks["painted"]
        return out

    screen._compositor_refresh = compositor_refresh
    return marks


async def measure(name: str, session: Session, grads: str | None = None) -> None:
    app = BpstepApp(session, grads_path=grads)
    t0 = time.perf_counter()
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause()
        mount = time.perf_counter() - t0
        marks = instrument(app)
        wall, latency, checked = [], [], []
        keys = (["n"] * 5 + ["p"]) * (PRESSES // 6)
        for key in keys:
            t = time.perf_counter()
            await pilot.press(key)
            await pilot.pause()
            if grads is None:
                wall.append(time.perf_counter() - t)
                latency.append(marks["painted"] - marks["key"])
                continue
            # with --grads the stop is painted first; the check runs in a thread and its
            # findings are painted when it ends: both times, from the key
            latency.append(marks["first"] - marks["key"])
            while app.grads is not None and app.grads.busy:
                await app.workers.wait_for_complete()
                await pilot.pause()
            if app.session.stop.phase.value == "backward":
                checked.append(marks["painted"] - marks["key"])
        if grads is None:
            print(
                f"{name:12s} mount + first paint {mount * 1e3:4.0f} ms | key → screen updated "
                f"{_stats(latency)} | Pilot press+pause wall {_stats(wall)}"
            )
        else:
            print(
                f"{name:12s} key → stop painted {_stats(latency)} | key → your gradients "
                f"checked and painted {_stats(checked)} ({len(checked)} backward stops)"
            )


def _stats(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[int(0.95 * (len(times) - 1))]
    return f"median {statistics.median(times) * 1e3:5.1f} ms, p95 {p95 * 1e3:5.1f} ms"


async def main() -> None:
    await measure("xor", Session(build_config("xor")))
    await measure("digits", Session(build_config("digits")))
    await measure("784-100-10", big_session())
    # bpstep --grads: the learner's functions (a correct module) checked at backward stops
    grads = str(Path(__file__).resolve().parents[1] / "examples" / "grads_correct.py")
    await measure("digits --grads", Session(build_config("digits")), grads)
    await measure("784 --grads", big_session(), grads)


if __name__ == "__main__":
    asyncio.run(main())
