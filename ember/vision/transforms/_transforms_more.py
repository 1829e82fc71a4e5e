"""More torchvision.transforms classes: FiveCrop, TenCrop, RandomAffine, RandomPerspective,
ElasticTransform and the random pixel operations (solarize, posterize, autocontrast, sharpness,
equalize). Random parameters come from ember's generator with torchvision's calls, in its order."""
from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import List, Optional, Tuple

import ember

from ... import nn
from ..._tensor import Tensor
from . import functional as F
from .functional import InterpolationMode, _check_interp, _setup_size

__all__ = ["FiveCrop", "TenCrop", "RandomAffine", "RandomSolarize", "RandomPosterize",
           "RandomAutocontrast", "RandomAdjustSharpness", "RandomEqualize", "RandomPerspective",
           "ElasticTransform"]


class FiveCrop(nn.Module):
    """Crop the four corners and the center (returns a tuple of five images)."""

    def __init__(self, size) -> None:
        super().__init__()
        self.size = _setup_size(size, error_msg="Please provide only two dimensions (h, w) for size.")

    def forward(self, img):
        return F.five_crop(img, self.size)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(size={self.size})"


class TenCrop(nn.Module):
    """FiveCrop of the image and of its flipped copy (a tuple of ten images)."""

    def __init__(self, size, vertical_flip: bool = False) -> None:
        super().__init__()
        self.size = _setup_size(size, error_msg="Please provide only two dimensions (h, w) for size.")
        self.vertical_flip = vertical_flip

    def forward(self, img):
        return F.ten_crop(img, self.size, self.vertical_flip)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(size={self.size}, vertical_flip={self.vertical_flip})"


def _setup_angle(x, name: str, req_sizes=(2,)) -> List[float]:
    if isinstance(x, numbers.Number):
        if x < 0:
            raise ValueError(f"If {name} is a single number, it must be positive.")
        return [float(d) for d in (-x, x)]  # -0 (an int) prints as 0.0, as in torchvision
    if not isinstance(x, Sequence) or len(x) not in req_sizes:
        msg = req_sizes[0] if len(req_sizes) < 2 else " or ".join(str(s) for s in req_sizes)
        raise ValueError(f"If {name} is a sequence its length should be one of {msg}.")
    return [float(d) for d in x]


def _uniform(lo: float, hi: float) -> float:
    return float(ember.empty(1).uniform_(lo, hi).item())


class RandomAffine(nn.Module):
    """A random rotation, translation, scale and shear, keeping the image size."""

    def __init__(self, degrees, translate=None, scale=None, shear=None,
                 interpolation=InterpolationMode.NEAREST, fill=0, center=None) -> None:
        super().__init__()
        self.degrees = _setup_angle(degrees, name="degrees", req_sizes=(2,))
        if translate is not None:
            if not isinstance(translate, Sequence) or len(translate) != 2:
                raise ValueError("translate should be a sequence of length 2.")
            for t in translate:
                if not 0.0 <= t <= 1.0:
                    raise ValueError("translation values should be between 0 and 1")
        self.translate = translate
        if scale is not None:
            if not isinstance(scale, Sequence) or len(scale) != 2:
                raise ValueError("scale should be a sequence of length 2.")
            for s in scale:
                if s <= 0:
                    raise ValueError("scale values should be positive")
        self.scale = scale
        self.shear = _setup_angle(shear, name="shear", req_sizes=(2, 4)) if shear is not None else None
        self.interpolation = _check_interp(interpolation)
        if fill is None:
            fill = 0
        elif not isinstance(fill, (Sequence, numbers.Number)):
            raise TypeError("Fill should be either a sequence or a number.")
        self.fill = fill
        if center is not None and (not isinstance(center, Sequence) or len(center) != 2):
            raise ValueError("center should be a sequence of length 2.")
        self.center = center

    @staticmethod
    def get_params(degrees: List[float], translate: Optional[List[float]], scale_ranges: Optional[List[float]],
                   shears: Optional[List[float]], img_size: List[int]) -> Tuple[float, Tuple[int, int], float,
                                                                                Tuple[float, float]]:
        """Draw (angle, (tx, ty), scale, (shear_x, shear_y)) for an image of size [width, height]."""
        angle = _uniform(float(degrees[0]), float(degrees[1]))
        if translate is not None:
            max_dx = float(translate[0] * img_size[0])
            max_dy = float(translate[1] * img_size[1])
            translations = (int(round(_uniform(-max_dx, max_dx))), int(round(_uniform(-max_dy, max_dy))))
        else:
            translations = (0, 0)
        scale = _uniform(scale_ranges[0], scale_ranges[1]) if scale_ranges is not None else 1.0
        shear_x = shear_y = 0.0
        if shears is not None:
            shear_x = _uniform(shears[0], shears[1])
            if len(shears) == 4:
                shear_y = _uniform(shears[2], shears[3])
        return angle, translations, scale, (shear_x, shear_y)

    def forward(self, img):
        fill = self.fill
        channels, height, width = F.get_dimensions(img)
        if isinstance(img, Tensor):
            fill = [float(fill)] * channels if isinstance(fill, (int, float)) else [float(f) for f in fill]
        ret = self.get_params(self.degrees, self.translate, self.scale, self.shear, [width, height])
        return F.affine(img, *ret, interpolation=self.interpolation, fill=fill, center=self.center)

    def __repr__(self) -> str:
        s = f"{self.__class__.__name__}(degrees={self.degrees}"
        s += f", translate={self.translate}" if self.translate is not None else ""
        s += f", scale={self.scale}" if self.scale is not None else ""
        s += f", shear={self.shear}" if self.shear is not None else ""
        s += f", interpolation={self.interpolation.value}" if self.interpolation != InterpolationMode.NEAREST else ""
        s += f", fill={self.fill}" if self.fill != 0 else ""
        s += f", center={self.center}" if self.center is not None else ""
        return s + ")"


class _RandomPixelOp(nn.Module):
    """Apply a functional pixel operation with probability ``p``."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        self.p = p

    def _apply(self, img):  # pragma: no cover - overridden
        raise NotImplementedError

    def forward(self, img):
        if ember.rand(1).item() < self.p:
            return self._apply(img)
        return img

    def _extra(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({self._extra()}p={self.p})"


class RandomSolarize(_RandomPixelOp):
    """Solarize (invert pixels >= threshold) with probability p."""

    def __init__(self, threshold: float, p: float = 0.5) -> None:
        super().__init__(p)
        self.threshold = threshold

    def _apply(self, img):
        return F.solarize(img, self.threshold)

    def _extra(self) -> str:
        return f"threshold={self.threshold},"


class RandomPosterize(_RandomPixelOp):
    """Posterize (keep the high ``bits``) with probability p."""

    def __init__(self, bits: int, p: float = 0.5) -> None:
        super().__init__(p)
        self.bits = bits

    def _apply(self, img):
        return F.posterize(img, self.bits)

    def _extra(self) -> str:
        return f"bits={self.bits},"


class RandomAutocontrast(_RandomPixelOp):
    """Autocontrast with probability p."""

    def _apply(self, img):
        return F.autocontrast(img)


class RandomAdjustSharpness(_RandomPixelOp):
    """Adjust sharpness by ``sharpness_factor`` with probability p."""

    def __init__(self, sharpness_factor: float, p: float = 0.5) -> None:
        super().__init__(p)
        self.sharpness_factor = sharpness_factor

    def _apply(self, img):
        return F.adjust_sharpness(img, self.sharpness_factor)

    def _extra(self) -> str:
        return f"sharpness_factor={self.sharpness_factor},"


class RandomEqualize(_RandomPixelOp):
    """Equalize the histogram with probability p."""

    def _apply(self, img):
        return F.equalize(img)


class RandomPerspective(nn.Module):
    """With probability ``p``, move each corner inwards by a random amount (up to ``distortion_scale``
    of the half size) and warp the image accordingly."""

    def __init__(self, distortion_scale: float = 0.5, p: float = 0.5,
                 interpolation=InterpolationMode.BILINEAR, fill=0) -> None:
        super().__init__()
        self.p = p
        self.interpolation = _check_interp(interpolation)
        self.distortion_scale = distortion_scale
        if fill is None:
            fill = 0
        elif not isinstance(fill, (Sequence, numbers.Number)):
            raise TypeError("Fill should be either a sequence or a number.")
        self.fill = fill

    @staticmethod
    def get_params(width: int, height: int, distortion_scale: float) -> Tuple[List[List[int]], List[List[int]]]:
        """(startpoints, endpoints): the image corners and their random destinations, drawn x then y for
        top-left, top-right, bottom-right, bottom-left."""
        dx = int(distortion_scale * (width // 2))
        dy = int(distortion_scale * (height // 2))

        def draw(lo: int, hi: int) -> int:
            return int(ember.randint(lo, hi, size=(1,)).item())

        near_x, far_x = (0, dx + 1), (width - dx - 1, width)
        near_y, far_y = (0, dy + 1), (height - dy - 1, height)
        endpoints = [[draw(*near_x), draw(*near_y)], [draw(*far_x), draw(*near_y)],
                     [draw(*far_x), draw(*far_y)], [draw(*near_x), draw(*far_y)]]
        startpoints = [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]]
        return startpoints, endpoints

    def forward(self, img):
        fill = self.fill
        channels, height, width = F.get_dimensions(img)
        if isinstance(img, Tensor):
            fill = [float(fill)] * channels if isinstance(fill, (int, float)) else [float(f) for f in fill]
        if ember.rand(1) < self.p:
            startpoints, endpoints = self.get_params(width, height, self.distortion_scale)
            return F.perspective(img, startpoints, endpoints, self.interpolation, fill)
        return img

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(p={self.p})"


def _pair_of_floats(value, name: str) -> List[float]:
    if not isinstance(value, (float, Sequence)):
        raise TypeError(f"{name} should be float or a sequence of floats. Got {type(value)}")
    if isinstance(value, Sequence):
        if len(value) != 2:
            raise ValueError(f"If {name} is a sequence its length should be 2. Got {len(value)}")
        for element in value:
            if not isinstance(element, float):
                raise TypeError(f"{name} should be a sequence of floats. Got {type(element)}")
        return list(value)
    return [float(value), float(value)]


class ElasticTransform(nn.Module):
    """Displace every pixel by a random, Gaussian-smoothed field of strength ``alpha`` and smoothness
    ``sigma``."""

    def __init__(self, alpha=50.0, sigma=5.0, interpolation=InterpolationMode.BILINEAR, fill=0) -> None:
        super().__init__()
        self.alpha = _pair_of_floats(alpha, "alpha")
        self.sigma = _pair_of_floats(sigma, "sigma")
        self.interpolation = _check_interp(interpolation)
        if isinstance(fill, (int, float)):
            fill = [float(fill)]
        elif isinstance(fill, (list, tuple)):
            fill = [float(f) for f in fill]
        else:
            raise TypeError(f"fill should be int or float or a list or tuple of them. Got {type(fill)}")
        self.fill = fill

    @staticmethod
    def get_params(alpha: List[float], sigma: List[float], size: List[int]) -> Tensor:
        """The [1, H, W, 2] displacement field: uniform noise in [-1, 1] per axis (x drawn first),
        blurred, scaled by alpha over the image extent along that axis."""
        fields = []
        for axis, extent in ((0, size[1]), (1, size[0])):
            d = ember.rand([1, 1] + list(size)) * 2 - 1
            if sigma[axis] > 0.0:
                k = int(8 * sigma[axis] + 1)
                k += 1 - k % 2  # odd kernel
                d = F.gaussian_blur(d, [k, k], sigma)
            fields.append(d * alpha[axis] / extent)
        return ember.cat(fields, 1).permute([0, 2, 3, 1])

    def forward(self, tensor):
        _, height, width = F.get_dimensions(tensor)
        displacement = self.get_params(self.alpha, self.sigma, [height, width])
        return F.elastic_transform(tensor, displacement, self.interpolation, self.fill)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(alpha={self.alpha}, sigma={self.sigma}, "
                f"interpolation={self.interpolation}, fill={self.fill})")
