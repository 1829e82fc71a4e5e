"""ember.optim: optimizers and learning-rate schedulers (torch.optim's API)."""
from .optimizer import Optimizer, swap_in_optimizer_params_and_state  # noqa: F401
from .sgd import SGD  # noqa: F401
from .adam import Adam, AdamW, Adamax, NAdam, RAdam  # noqa: F401
from .adaptive import Adagrad, Adadelta, RMSprop  # noqa: F401
from .lbfgs import LBFGS  # noqa: F401
from .rprop import Rprop  # noqa: F401
from .asgd import ASGD  # noqa: F401
from .adafactor import Adafactor  # noqa: F401
from .muon import Muon  # noqa: F401
from . import lr_scheduler  # noqa: F401

__all__ = ["Optimizer", "swap_in_optimizer_params_and_state", "SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "Adagrad", "Adadelta",
           "RMSprop", "LBFGS", "Rprop", "ASGD", "Adafactor", "Muon", "lr_scheduler"]
