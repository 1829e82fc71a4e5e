"""MNIST and FashionMNIST from their standard IDX files (``root/<Class>/raw``)."""
from __future__ import annotations

import gzip
import os
from typing import Any, Callable, Optional, Tuple
from urllib.error import URLError

import numpy as np

from ..._tensor import _wrap
from .utils import download_url
from .vision import VisionDataset

_IDX_TYPES = {8: np.uint8, 9: np.int8, 11: np.dtype(">i2"), 12: np.dtype(">i4"), 13: np.dtype(">f4"),
              14: np.dtype(">f8")}


def read_idx(path: str) -> np.ndarray:
    """Read an IDX file (optionally .gz) into a numpy array."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    nd, ty = magic % 256, magic // 256
    if ty not in _IDX_TYPES or nd < 1:
        raise RuntimeError(f"{path} is not an IDX file (magic {magic})")
    dims = [int.from_bytes(data[4 * (i + 1):4 * (i + 2)], "big") for i in range(nd)]
    arr = np.frombuffer(data, dtype=_IDX_TYPES[ty], offset=4 * (nd + 1))
    if arr.size != int(np.prod(dims)):
        raise RuntimeError(f"{path}: expected {int(np.prod(dims))} values, found {arr.size}")
    return arr.reshape(dims).astype(np.dtype(_IDX_TYPES[ty]).newbyteorder("="))


class MNIST(VisionDataset):
    """MNIST digits: (PIL 'L' image, int label); ``download=True`` fetches the files from ``mirrors``."""

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                 ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
                 ("t10k-images-idx3-ubyte.gz", "9646ae5bc4ab6be1d9d4e7bc2e11c10b"),
                 ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]

    def __init__(self, root: str, train: bool = True, transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, download: bool = False) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_exists():
            raise RuntimeError("Dataset not found. You can use download=True to download it")
        prefix = "train" if self.train else "t10k"
        self.data = _wrap(np.ascontiguousarray(read_idx(self._find(f"{prefix}-images-idx3-ubyte"))))
        self.targets = _wrap(read_idx(self._find(f"{prefix}-labels-idx1-ubyte")).astype(np.int64))

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, self.__class__.__name__, "raw")

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def _find(self, stem: str) -> str:
        for name in (stem, stem + ".gz"):
            p = os.path.join(self.raw_folder, name)
            if os.path.isfile(p):
                return p
        raise RuntimeError(f"Dataset file {stem} not found in {self.raw_folder}")

    def _check_exists(self) -> bool:
        stems = [os.path.splitext(os.path.basename(u))[0] for u, _ in self.resources]
        return all(any(os.path.isfile(os.path.join(self.raw_folder, s + ext)) for ext in ("", ".gz")) for s in stems)

    def download(self) -> None:
        """Download the four IDX files unless they are already present."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self.resources:
            errors = []
            for mirror in self.mirrors:
                url = f"{mirror}{filename}"
                try:
                    download_url(url, root=self.raw_folder, filename=filename, md5=md5)
                    break
                except (URLError, OSError, RuntimeError) as error:
                    errors.append(f"{url}: {error}")
            else:
                raise RuntimeError(f"Error downloading {filename}:\n" + "\n".join(errors))

    def __getitem__(self, index: int) -> Tuple[Any, Any]:
        from PIL import Image
        img, target = self.data[index], int(self.targets[index])
        img = Image.fromarray(img.numpy(), mode=None)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self.data)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"


class FashionMNIST(MNIST):
    """Fashion-MNIST: the MNIST file format with clothing classes."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                 ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                 ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                 ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]
