"""ImageNet-1K class names (the 1000 ILSVRC-2012 categories in torchvision's order), shipped in the package."""
import os

_CLASSES_FILE = os.path.join(os.path.dirname(__file__), "imagenet_classes.txt")


def _read_categories():
    with open(_CLASSES_FILE, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if line.strip()]


_IMAGENET_CATEGORIES = _read_categories()
