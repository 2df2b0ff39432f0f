"""The engine: pure NumPy maths of a fully-connected network, stepped layer by layer."""

from bpstep.engine.activations import ACTIVATIONS, Activation, get_activation
from bpstep.engine.costs import COSTS, Cost, get_cost
from bpstep.engine.errors import BpstepError, ConfigError, DataError, OrderError, UserCodeError
from bpstep.engine.events import BackwardEvent, ForwardEvent, UpdateEvent
from bpstep.engine.gradcheck import GradcheckReport, ParamCheck, band, gradcheck, relative_error
from bpstep.engine.init import INITS
from bpstep.engine.network import Network
from bpstep.engine.optimizers import OPTIMIZERS, Optimizer, get_optimizer

__all__ = [
    "ACTIVATIONS",
    "COSTS",
    "INITS",
    "OPTIMIZERS",
    "Activation",
    "BackwardEvent",
    "BpstepError",
    "ConfigError",
    "Cost",
    "DataError",
    "ForwardEvent",
    "GradcheckReport",
    "Network",
    "Optimizer",
    "OrderError",
    "ParamCheck",
    "UpdateEvent",
    "UserCodeError",
    "band",
    "get_activation",
    "get_cost",
    "get_optimizer",
    "gradcheck",
    "relative_error",
]
