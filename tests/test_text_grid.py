"""``text_grid`` draws what the borderless Rich tables it replaces drew, cell for cell and style
for style (the tensor list's ``Table.grid`` and the numbers' ``Table``), over random cells."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from bpstep.tui.widgets.text_grid import text_grid

CONSOLE = Console(width=120, color_system="truecolor", legacy_windows=False)
WORDS = st.text(alphabet="ab-0.9∂Ĵ¹ᵐ[]×‖·⚠", max_size=9)
FULL = st.text(alphabet="ab-0.9∂Ĵ¹ᵐ[]×‖·⚠", min_size=1, max_size=9)  # a header: no empty column
STYLES = st.sampled_from(["", "dim", "bold", "#e06c75", "#61afef reverse", "bold reverse"])
# a str cell is markup to a Rich table ("[a]" a tag), plain text to text_grid: ours never hold
# a tag ("[12]", "3×4"), so a str here holds no brackets
PLAIN = st.text(alphabet="ab-0.9∂Ĵ¹ᵐ×‖·⚠", max_size=9)
CELLS = st.one_of(PLAIN, st.builds(lambda t, s: Text(t, style=s), WORDS, STYLES))


def cells_of(renderable, width: int = 120) -> list[list[tuple[str, object]]]:
    """Each line as (character, style) pairs: the same screen whatever the segments."""
    lines = CONSOLE.render_lines(renderable, CONSOLE.options.update_width(width))
    return [
        [(ch, seg.style or None) for seg in Segment.simplify(line) for ch in seg.text]
        for line in lines
    ]


def normal(lines):
    from rich.style import Style

    return [[(ch, s if s != Style() else None) for ch, s in line] for line in lines]


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 5).flatmap(lambda n: st.tuples(
    st.lists(FULL, min_size=n, max_size=n),
    st.lists(st.lists(CELLS, min_size=n, max_size=n), min_size=1, max_size=6),
    st.lists(st.sampled_from(["left", "right"]), min_size=n, max_size=n),
)))  # fmt: skip
def test_the_grid_of_the_tensor_list(case):
    head, rows, justify = case
    rows = [[Text(h) for h in head], *rows]
    table = Table.grid(padding=(0, 1))
    for j in justify:
        table.add_column(justify=j, no_wrap=True)
    for row in rows:
        table.add_row(*row)
    assert normal(cells_of(text_grid(rows, justify, collapse=True))) == normal(cells_of(table))


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 3).flatmap(lambda n: st.tuples(
    st.lists(FULL, min_size=2 * n, max_size=2 * n),
    st.lists(st.lists(CELLS, min_size=2 * n, max_size=2 * n), min_size=1, max_size=6),
    st.booleans(),
)))  # fmt: skip
def test_the_table_of_the_numbers_with_dim_labels(case):
    head, rows, labels = case
    rows = [[Text(h) for h in head], *rows]
    n = len(head)
    styles = ["dim" if labels and i % 2 == 0 else "" for i in range(n)]
    table = Table(show_header=False, box=None, pad_edge=False, padding=(0, 1))
    for s in styles:
        table.add_column(justify="right", style=s or None, no_wrap=True)
    for row in rows:
        table.add_row(*row)
    grid = text_grid(rows, ["right"] * n, styles=styles)
    assert normal(cells_of(grid)) == normal(cells_of(table))


def test_a_column_cut_to_its_width_ends_in_an_ellipsis():
    grid = text_grid(
        [["a", "1 non-finite!"]], ["left", "left"], collapse=True, max_widths=[None, 6]
    )
    assert grid.plain == "a 1 non…"
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True, max_width=6, overflow="ellipsis")
    table.add_row("a", "1 non-finite!")
    assert normal(cells_of(grid)) == normal(cells_of(table))
