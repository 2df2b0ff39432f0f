"""``bpstep serve`` in a real browser: headless Chromium opens the page, a key press steps the
debugger, a second tab is a session of its own, a screenshot of the page is saved as a PNG, and a
tab opened after the learner's gradient file broke says why it cannot start.

The browser is Debian's ``chromium`` (``apt-get install chromium``; or the one BPSTEP_CHROMIUM
names), driven with the ``playwright`` package; no browser is downloaded. Where either is missing
the test is skipped, saying which. The screenshot goes to the test's tmp_path, or to the file
BPSTEP_SERVE_SCREENSHOT names, to be looked at.

The page's terminal (xterm.js) draws on a canvas, so its text is not in the DOM. A script added
before the page's own catches the xterm ``Terminal`` object as textual-serve's page stores it
(``this.terminal = new Terminal(…)``) and reads its screen buffer: the text the learner sees.
"""

from __future__ import annotations

import os
import shutil
import struct
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from test_serve import EXAMPLES, served  # noqa: F401  (served: the fixture)

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="needs the playwright package: pip install -e '.[test]'"
)


def find_chromium() -> str | None:
    given = os.environ.get("BPSTEP_CHROMIUM")
    if given:
        return given if os.access(given, os.X_OK) else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    return None


CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium to drive (apt-get install chromium, or set BPSTEP_CHROMIUM to a binary)",
)

CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # no name resolves: the page's one outside link (a web font) goes nowhere
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]

CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  get() { return undefined; },
  set(value) {
    Object.defineProperty(this, "terminal", {
      value, writable: true, configurable: true, enumerable: true });
    if (value && value.buffer && value.buffer.active) { window.__terminal = value; }
  },
});
window.__screen = () => {
  const t = window.__terminal;
  if (!t) return "";
  const buffer = t.buffer.active, rows = [];
  for (let i = 0; i < t.rows; i++) {
    const line = buffer.getLine(buffer.viewportY + i);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
};
"""

FIRST_SCREEN = "press n to take the first forward step"
FIRST_FORWARD_STOP = "z¹ = W¹ a⁰ + b¹"


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def wait_for_text(page, text: str, timeout_ms: int = 20_000) -> str:
    try:
        page.wait_for_function("t => window.__screen().includes(t)", arg=text, timeout=timeout_ms)
    except playwright_api.TimeoutError:
        raise AssertionError(
            f"{text!r} never appeared; the page showed:\n{page.evaluate('window.__screen()')}"
        ) from None
    return page.evaluate("window.__screen()")


def open_tab(context, url: str):
    page = context.new_page()
    page.goto(url)
    return page


def test_the_served_page_steps_the_debugger_on_a_key_press(served, tmp_path):  # noqa: F811
    grads = tmp_path / "my grads $(touch PWNED); 'x'.py"  # quoted for the shell, never run by it
    shutil.copy(EXAMPLES / "grads_correct.py", grads)
    s = served("--preset", "xor", "--grads", str(grads), cwd=tmp_path)
    host = urlsplit(s.url).hostname

    with playwright_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # a fresh --user-data-dir
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 900},
        )
        try:
            context.route(
                "**/*",
                lambda route: (
                    route.continue_()
                    if urlsplit(route.request.url).hostname == host
                    else route.abort()
                ),
            )
            context.add_init_script(CATCH_TERMINAL)
            page = open_tab(context, s.url)
            before = wait_for_text(page, FIRST_SCREEN)
            assert FIRST_FORWARD_STOP not in before
            assert str(grads) in before  # the "your gradients" pane names the file as typed

            page.focus(".xterm-helper-textarea")  # the terminal has the keyboard, as after a click
            page.keyboard.press("n")
            after = wait_for_text(page, FIRST_FORWARD_STOP)
            assert "forward m=1" in after

            shot = Path(os.environ.get("BPSTEP_SERVE_SCREENSHOT") or tmp_path / "serve.png")
            page.screenshot(path=str(shot))
            assert png_size(shot) == (1400, 900)

            other = open_tab(context, s.url)  # a second tab: a session of its own, at the start
            assert FIRST_FORWARD_STOP not in wait_for_text(other, FIRST_SCREEN)
            s.wait_for(s.stderr, "session 2 opened")

            # the learner breaks the file while serving: a new tab says why it cannot start
            grads.write_text("def output_delta(a, y, z:\n    return a - y\n")
            broken = wait_for_text(open_tab(context, s.url), "could not start this session")
            assert f"{grads}:1: syntax error" in broken
            assert "Fix that, then reload this page." in broken
            if shot_dir := os.environ.get("BPSTEP_SERVE_SCREENSHOT"):
                context.pages[-1].screenshot(path=str(Path(shot_dir).with_suffix(".broken.png")))
        finally:
            context.close()

    s.wait_for(s.stderr, "ended (0 running)")  # closing the tabs ended every bpstep
    s.wait_for(s.stderr, f"session 3: bpstep: error: {grads}:1: syntax error")
    assert s.stop() == 0
    assert not (tmp_path / "PWNED").exists()
    assert not any("Traceback" in x for x in s.stdout + s.stderr), s.stdout + s.stderr
