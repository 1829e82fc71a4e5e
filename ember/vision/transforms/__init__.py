"""``ember.vision.transforms``: torchvision.transforms for PIL images and tensors."""
from .transforms import *  # noqa: F401,F403
from .transforms import InterpolationMode  # noqa: F401
from . import functional  # noqa: F401
from ._presets import ImageClassification  # noqa: F401
from .autoaugment import *  # noqa: F401,F403  (AutoAugment, RandAugment, TrivialAugmentWide, AugMix)
from . import autoaugment  # noqa: F401
