"""``ember.vision.models``: torchvision's classification models, weights enums and registry."""
from ._api import (Weights, WeightsEnum, get_model, get_model_builder, get_model_weights,  # noqa: F401
                   get_weight, list_models)
from .alexnet import *  # noqa: F401,F403
from .resnet import *  # noqa: F401,F403
from .vgg import *  # noqa: F401,F403
from .mobilenetv2 import *  # noqa: F401,F403
from .squeezenet import *  # noqa: F401,F403
from .densenet import *  # noqa: F401,F403
from . import cyclegan  # noqa: F401
