"""``ember.vision.datasets``: folder datasets, FakeData and readers for the standard MNIST/CIFAR files."""
from .folder import DatasetFolder, ImageFolder, default_loader, has_file_allowed_extension, IMG_EXTENSIONS  # noqa
from .fakedata import FakeData  # noqa: F401
from .mnist import MNIST, FashionMNIST  # noqa: F401
from .cifar import CIFAR10  # noqa: F401
from .vision import VisionDataset  # noqa: F401
from .utils import download_url, check_integrity  # noqa: F401

__all__ = ["DatasetFolder", "ImageFolder", "FakeData", "MNIST", "FashionMNIST", "CIFAR10", "VisionDataset"]
