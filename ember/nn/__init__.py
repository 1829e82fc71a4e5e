"""ember.nn: modules, parameters, functional ops, init (torch.nn's API)."""
from .parameter import Parameter, UninitializedParameter, UninitializedBuffer, Buffer
from .modules import *  # noqa: F401,F403
from . import functional, init  # noqa: F401
from . import utils  # noqa: F401
