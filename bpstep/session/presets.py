"""Named, ready-made sessions, each showing one point of the lesson."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from bpstep.engine.errors import ConfigError
from bpstep.session.config import SessionConfig


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    config: SessionConfig


# 64-100-10 on 100 training digits; the l2 preset is the same with λ > 0
_OVERFIT = SessionConfig(
    data="digits", hidden=[100], cost="cross_entropy", lr=0.5, batch_size=10, n_train=100
)

PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "xor",
            "2-3-1 sigmoid network, quadratic cost, all four xor samples in one batch, α = 5: "
            "small enough to follow every number by hand; solved in a few hundred epochs",
            SessionConfig(data="xor", hidden=[3], lr=5.0, batch_size=4),
        ),
        Preset(
            "lesson",
            "the lesson's own case, to match a hand computation 1:1: xor's 2-3-1 sigmoid network "
            "and quadratic cost, one sample per iteration (n = 1, so no 1/n anywhere), λ = 0, "
            "W ← W − α δᵐ(aᵐ⁻¹)ᵀ with α = 0.5; solved in about 1,000 epochs",
            SessionConfig(data="xor", hidden=[3], lr=0.5, batch_size=1),
        ),
        Preset(
            "digits",
            "the lesson's example: 64-30-10 sigmoid network on the 8×8 digits, quadratic cost, "
            "mini-batches of 10, α = 3",
            SessionConfig(data="digits", hidden=[30], lr=3.0, batch_size=10),
        ),
        Preset(
            "softmax",
            "64-30-10 on the digits with a softmax output and cross-entropy: δᴸ = a − y",
            SessionConfig(
                data="digits",
                hidden=[30],
                activation=["sigmoid", "softmax"],
                cost="cross_entropy",
                lr=0.5,
                batch_size=10,
            ),
        ),
        Preset(
            "overfit",
            "64-100-10 with cross-entropy trained on only 100 digits: the training cost falls "
            "towards 0 while the test cost parts from it and rises again",
            _OVERFIT,
        ),
        Preset(
            "l2",
            "the overfit network with L2 regularisation (λ = 0.001): the weights stay small; the "
            "data cost J (Ĵ without the λ term, shown beside it) stops rising on the test set "
            "and its gap to the training J narrows",
            replace(_OVERFIT, l2=0.001),
        ),
        Preset(
            "vanishing",
            "a deep sigmoid stack, 64-30-30-30-30-10: ‖δ¹‖ is a small fraction of ‖δᴸ‖, so the "
            "first layers barely learn",
            SessionConfig(data="digits", hidden=[30, 30, 30, 30], lr=3.0, batch_size=10),
        ),
    )
}

DEFAULT_PRESET = "xor"


def build_config(preset: str | None = DEFAULT_PRESET, **overrides: object) -> SessionConfig:
    """The preset's configuration with ``overrides`` (None values ignored), validated.

    ``--layers`` given beside a preset replaces its hidden sizes too; ``--data`` given without
    ``--layers`` keeps the preset's hidden layers and fits the input and output to the data.
    """
    name = preset or DEFAULT_PRESET
    if name not in PRESETS:
        raise ConfigError(f"unknown preset {name!r}; accepted: {', '.join(PRESETS)}")
    known = {f.name for f in fields(SessionConfig)}
    given: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
    unknown = sorted(set(given) - known)
    if unknown:
        raise ConfigError(f"unknown setting {unknown[0]!r}; accepted: {', '.join(sorted(known))}")
    base = PRESETS[name].config
    if "data" in given and given["data"] != base.data and "n_train" not in given:
        given["n_train"] = None  # a preset's training-set limit belongs to its own data
    config = replace(base, **given)
    config.hidden = list(config.hidden)
    if not isinstance(config.activation, str):
        config.activation = list(config.activation)
    if config.layers is not None:
        config.layers = list(config.layers)
    config.validate()
    return config
