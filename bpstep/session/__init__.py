"""The stepping session: timeline, history for stepping back, breakpoints, watches, save/load.

Plain Python over the engine, testable without a terminal; the TUI, the headless commands and
notebooks all drive it.
"""

from bpstep.engine.events import CostEvent
from bpstep.session.breakpoints import EPOCH_END, EVERY_UPDATE, BreakpointSet
from bpstep.session.config import SessionConfig
from bpstep.session.history import CheckpointStore
from bpstep.session.presets import DEFAULT_PRESET, PRESETS, Preset, build_config
from bpstep.session.saveload import load_session, save_session
from bpstep.session.session import Session, SessionBusy
from bpstep.session.state import EpochRecord, RunReason, RunResult, SessionState, Stop
from bpstep.session.timeline import Phase, StopId, iteration_stops
from bpstep.session.watches import NormWatch, WatchSet

__all__ = [
    "DEFAULT_PRESET",
    "EPOCH_END",
    "EVERY_UPDATE",
    "PRESETS",
    "BreakpointSet",
    "CheckpointStore",
    "CostEvent",
    "EpochRecord",
    "NormWatch",
    "Phase",
    "Preset",
    "RunReason",
    "RunResult",
    "Session",
    "SessionBusy",
    "SessionState",
    "SessionConfig",
    "Stop",
    "StopId",
    "WatchSet",
    "build_config",
    "iteration_stops",
    "load_session",
    "save_session",
]
