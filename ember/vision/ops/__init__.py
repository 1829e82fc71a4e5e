"""``ember.vision.ops``: building blocks shared by the models."""
from .misc import Conv2dNormActivation, ConvNormActivation  # noqa: F401

__all__ = ["Conv2dNormActivation", "ConvNormActivation"]
