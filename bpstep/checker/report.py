"""The report of a check: what was checked, on what, with what result, and what was not.

A :class:`CheckReport` gathers the results of every batch checked (one :class:`Result` per
function, layer and quantity: the worst over the batches), what no batch could exercise
(``untested``), what the loader skipped, the conventions found in the learner's code (their
L2 term, their ravel order) and the *origin*: the first quantity on the way back that is wrong
on its own (not ``follows``). It is plain Python for every front end:

- ``report.ok``: every result agrees (exit 0);
- ``report.results``: the results as dicts with the ``--json`` fields;
- ``report.to_json()``: the ``--json`` document (schema 1, see ``bpstep.commands.check``);
- ``str(report)``: a readable plain-text report; ``report.segments()`` is the same text as
  (text, kind) pieces for a front end that colours them;
- in a notebook, ``report._repr_html_()``: the same as a table (``report_html``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bpstep.checker.compare import AGREE
from bpstep.checker.results import QUANTITIES, Result, Status, worse
from bpstep.checker.shapes import Checked

SCHEMA = 1
QUANTITY_ORDER = {q: i for i, q in enumerate(("output", "loss", "delta", "grad_W", "grad_b"))}
Segment = tuple[str, str]  # (text, kind): kinds are listed in STYLES of bpstep.commands.check


@dataclass
class CheckReport:
    """Everything a check found (see the module docstring)."""

    file: str
    shape: str
    shape_title: str
    network: dict
    iterations: int
    defined: list[str]
    fallbacks: list[str] = field(default_factory=list)
    also: list[str] = field(default_factory=list)  # other shapes the file has
    skipped: list[dict] = field(default_factory=list)
    findings: list[Result] = field(default_factory=list)
    untested: list[str] = field(default_factory=list)
    conventions: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    batches: list[int] = field(default_factory=list)  # the iterations checked
    _untested_seen: set[str] | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ gathering
    def add(self, checked: Checked, iteration: int = 0) -> None:
        """Fold in one batch: the worst result per (function, layer, quantity); what is
        untested stays so only while no batch has exercised it."""
        self.batches.append(iteration)
        best = {r.key(): r for r in self.findings}
        for r in checked.results:
            old = best.get(r.key())
            if old is None or worse(r, old):
                best[r.key()] = r
        self.findings = sorted(best.values(), key=self._order)
        seen = set(checked.untested)
        self._untested_seen = seen if self._untested_seen is None else self._untested_seen & seen
        self.untested = [u for u in dict.fromkeys(checked.untested) if u in self._untested_seen]
        self.conventions.update(checked.conventions)
        self.notes = list(dict.fromkeys(self.notes + checked.notes))

    def _order(self, r: Result) -> tuple:
        functions = list(dict.fromkeys(self.defined))
        f = functions.index(r.function) if r.function in functions else len(functions)
        forward = 0 if r.quantity in ("output", "loss") else 1  # computed before the backward pass
        return (-(r.layer or 10**6), forward, f, QUANTITY_ORDER.get(r.quantity or "", 9))

    # ------------------------------------------------------------------ reading
    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.findings)

    @property
    def results(self) -> list[dict]:
        return [r.to_dict() for r in self.findings]

    @property
    def origin(self) -> Result | None:
        """The first quantity on the way back that is wrong on its own."""
        wrong = [r for r in self.findings if not r.ok and not r.follows]
        gradients = [r for r in wrong if r.quantity not in ("loss", "output")]
        first = gradients or wrong
        return first[0] if first else None

    def summary(self) -> dict[str, int]:
        return {s.value: sum(r.status is s for r in self.findings) for s in Status}

    def to_json(self) -> dict:
        """The ``--json`` document."""
        origin = self.origin
        return {
            "schema": SCHEMA,
            "ok": self.ok,
            "file": self.file,
            "shape": self.shape,
            "iterations": self.iterations,
            "threshold": AGREE,
            "network": dict(self.network),
            "defined": list(self.defined),
            "fallbacks": list(self.fallbacks),
            "summary": self.summary(),
            "origin": None
            if origin is None
            else {
                "function": origin.function,
                "layer": origin.layer,
                "quantity": origin.quantity,
                "slip": origin.slip,
            },
            "untested": list(self.untested),
            "conventions": dict(self.conventions),
            "skipped": [dict(s) for s in self.skipped],
            "also_recognised": list(self.also),
            "notes": list(self.notes),
            "results": self.results,
        }

    # ------------------------------------------------------------------ text
    def __str__(self) -> str:
        return "".join(text for text, _ in self.segments())

    def __repr__(self) -> str:
        origin = self.origin
        where = f", origin {origin.function} at {origin.symbol}" if origin else ""
        slip = f" ({origin.slip})" if origin and origin.slip else ""
        bad = sum(not r.ok for r in self.findings)
        return (
            f"<CheckReport {self.file!r}: {'ok' if self.ok else 'not ok'}, "
            f"{bad} of {len(self.findings)} disagree or fail{where}{slip}>"
        )

    def _repr_html_(self) -> str:
        """The report in a notebook: a table (plain, escaped HTML; ``report_html``)."""
        from bpstep.checker.report_html import to_html

        return to_html(self)

    def segments(self) -> list[Segment]:
        out: list[Segment] = []
        out += self.header()
        out += self._table()
        out += self.details()
        out += self.footer()
        return out

    def header(self) -> list[Segment]:
        net = self.network
        iters = f"{self.iterations} iteration{'s' if self.iterations != 1 else ''}"
        acts = ",".join(dict.fromkeys(net["activations"]))
        out: list[Segment] = [
            ("checking ", "dim"),
            (self.file, "title"),
            (f"  ({self.shape_title})\n", "dim"),
            ("on ", "dim"),
            (
                f"{'-'.join(map(str, net['sizes']))} {acts}, {net['cost']}, λ = {net['l2']:g}, "
                f"batch {net['batch_size']}, data {net['data']}, {iters}\n",
                "",
            ),
        ]
        for key, text in self.conventions.items():
            out.append((f"{key}: {text}\n", "dim"))
        if self.fallbacks:
            out.append(
                (f"not defined (the engine's are used): {', '.join(self.fallbacks)}\n", "dim")
            )
        if self.also:
            out.append(
                (f"also in the file: {', '.join(self.also)} (check it with --shape)\n", "dim")
            )
        return out

    def _table(self) -> list[Segment]:
        head = ["function", "layer", "result", "rel. error", "vs fin. diff.", "band", "slip"]
        head.append("worst: yours / right")
        rows = [(self.row(r), r) for r in self.findings]
        widths = [max(len(h), *(len(row[i]) for row, _ in rows)) for i, h in enumerate(head)]
        out: list[Segment] = [("\n", ""), (_cells(head, widths) + "\n", "header")]
        for row, r in rows:
            for i, cell in enumerate(row):
                kind = str(r.status) if i == 2 else ("slip" if i == 6 and r.slip else "")
                last = i == len(row) - 1
                out.append((cell if last else cell.ljust(widths[i]) + "  ", kind))
            out.append(("\n", ""))
        return out

    def row(self, r: Result) -> list[str]:
        slip = r.slip or ""
        if r.follows:
            slip = "follows"
        return [
            r.function,
            r.symbol,
            str(r.status),
            "—" if r.rel_error is None else f"{r.rel_error:.2e}",
            "—" if r.fd_rel_error is None else f"{r.fd_rel_error:.2e}",
            r.band or "—",
            slip or "—",
            _entry(r),
        ]

    def details(self) -> list[Segment]:
        out: list[Segment] = []
        for r in self.findings:
            lines: list[Segment] = []
            if not r.ok and not r.follows:  # what follows is said once, by the origin line
                if r.message:
                    lines.append(("  ", ""))
                    lines.append((f"{r.in_symbols(r.message)}\n", ""))
                if r.hint:
                    lines += [("  hint: ", "hint"), (f"{r.in_symbols(r.hint)}\n", "")]
            lines += [x for n in r.notes for x in (("  note: ", "dim"), (n + "\n", ""))]
            lines += [x for w in r.warnings for x in (("  warning: ", "warning"), (w + "\n", ""))]
            if lines:
                out.append((f"{r.function} at {r.symbol}", "title"))
                out.append(
                    (f" (iteration {r.iteration}, λ = {r.l2:g})\n" if not r.ok else "\n", "dim")
                )
                out += lines
        return out

    def _line(self, where: str) -> str:
        """A skipped statement's place without the file's name: "12" or "(cell 3):2"."""
        return where[len(self.file) :].lstrip(":").strip() if where.startswith(self.file) else where

    def footer(self) -> list[Segment]:
        out: list[Segment] = []
        origin = self.origin
        if origin is not None and any(r.follows for r in self.findings):
            slip = f" ({origin.slip})" if origin.slip else ""
            out.append(("origin: ", "title"))
            out.append(
                (
                    f"{origin.function} at {origin.symbol}{slip}; the rows marked 'follows' are "
                    "right given the wrong values before them\n",
                    "",
                )
            )
        for u in self.untested:
            out += [("untested: ", "warning"), (u + "\n", "")]
        for n in self.notes:
            out += [("note: ", "dim"), (n + "\n", "")]
        if self.skipped:
            out.append((f"skipped while loading ({len(self.skipped)}): ", "dim"))
            shown = "; ".join(f"{self._line(s['where'])}: {s['code']}" for s in self.skipped[:4])
            more = f"; … {len(self.skipped) - 4} more (see --json)" if len(self.skipped) > 4 else ""
            out.append((f"line {shown}{more}\n", "dim"))
        bad = sum(not r.ok for r in self.findings)
        follows = sum(r.follows for r in self.findings)
        verdict = "all agree" if self.ok else f"{bad} of {len(self.findings)} disagree or fail"
        if follows:
            verdict += f", {follows} of them only because of an earlier one"
        tol = (
            "1e-4 for float32 results" if any(r.slip == "precision" for r in self.findings) else ""
        )
        extra = f"; {tol}" if tol else ""
        out.append(
            (f"{verdict} (agreement: relative error < 1e-6{extra})\n", "ok" if self.ok else "bad")
        )
        return out


def _cells(cells: list[str], widths: list[int]) -> str:
    return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()


def _entry(r: Result) -> str:
    if r.ok or r.worst is None:
        return "—"
    idx, yours, ref = r.worst
    at = ",".join(str(i + 1) for i in idx)
    return f"[{at}] {yours:.4g} / {ref:.4g}"


__all__ = ["QUANTITIES", "SCHEMA", "CheckReport"]
