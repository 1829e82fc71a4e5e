"""Entrypoints served for ``ember.hub.load("pytorch/vision[:ref]", name, ...)``.

The real torchvision ``hubconf.py`` imports torchvision's compiled internals, so ember answers that
repo with its own model builders (same names, same ``weights=``/``pretrained=`` arguments).
"""
from .models import (alexnet, densenet121, mobilenet_v2, resnet18, resnet34, resnet50,  # noqa: F401
                     resnet101, resnet152, resnext50_32x4d, squeezenet1_0, squeezenet1_1, vgg11, vgg11_bn,
                     vgg13, vgg13_bn, vgg16, vgg16_bn, vgg19, vgg19_bn, wide_resnet50_2)
from .models._api import get_model_weights, get_weight  # noqa: F401

dependencies = ["torch"]
