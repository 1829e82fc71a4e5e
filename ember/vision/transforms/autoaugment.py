"""Automatic augmentation policies (torchvision.transforms.autoaugment): AutoAugment, RandAugment,
TrivialAugmentWide and AugMix.

Each draws its choices from ember's global generator with the calls torchvision uses, in the same
order (``randint`` for the op / policy / magnitude bin, ``randint(2, ...)`` for the sign, ``rand`` for
the AutoAugment sub-policy probabilities, ``_sample_dirichlet`` for the AugMix weights), so a seeded
pipeline picks the same operations as torchvision's.
"""
from __future__ import annotations

import math
from enum import Enum
from typing import Dict, List, Optional, Tuple

import ember

from ... import nn
from ..._tensor import Tensor
from . import functional as F
from .functional import InterpolationMode

__all__ = ["AutoAugmentPolicy", "AutoAugment", "RandAugment", "TrivialAugmentWide", "AugMix"]


def _shear_degrees(magnitude: float) -> float:
    # the policies give the shear as a matrix entry; F.affine takes an angle
    return math.degrees(math.atan(magnitude))


def _apply_op(img, op_name: str, magnitude: float, interpolation: InterpolationMode,
              fill: Optional[List[float]]):
    """Run one named augmentation with its (already signed) magnitude."""
    if op_name in ("ShearX", "ShearY"):
        shear = [_shear_degrees(magnitude), 0.0] if op_name == "ShearX" else [0.0, _shear_degrees(magnitude)]
        return F.affine(img, angle=0.0, translate=[0, 0], scale=1.0, shear=shear, interpolation=interpolation,
                        fill=fill, center=[0, 0])
    if op_name in ("TranslateX", "TranslateY"):
        translate = [int(magnitude), 0] if op_name == "TranslateX" else [0, int(magnitude)]
        return F.affine(img, angle=0.0, translate=translate, scale=1.0, shear=[0.0, 0.0],
                        interpolation=interpolation, fill=fill)
    if op_name == "Rotate":
        return F.rotate(img, magnitude, interpolation=interpolation, fill=fill)
    factor_ops = {"Brightness": F.adjust_brightness, "Color": F.adjust_saturation,
                  "Contrast": F.adjust_contrast, "Sharpness": F.adjust_sharpness}
    if op_name in factor_ops:
        return factor_ops[op_name](img, 1.0 + magnitude)
    if op_name == "Posterize":
        return F.posterize(img, int(magnitude))
    if op_name == "Solarize":
        return F.solarize(img, magnitude)
    plain = {"AutoContrast": F.autocontrast, "Equalize": F.equalize, "Invert": F.invert}
    if op_name in plain:
        return plain[op_name](img)
    if op_name == "Identity":
        return img
    raise ValueError(f"The provided operator {op_name} is not recognized.")


def _fill_for(img, fill):
    channels, _, _ = F.get_dimensions(img)
    if isinstance(img, Tensor):
        if isinstance(fill, (int, float)):
            return [float(fill)] * channels
        if fill is not None:
            return [float(f) for f in fill]
    return fill


def _posterize_bits(top: int, num_bins: int, span: int) -> Tensor:
    return top - (ember.arange(num_bins) / ((num_bins - 1) / span)).round().int()


def _scalar() -> Tensor:
    return ember.tensor(0.0)


class AutoAugmentPolicy(Enum):
    """The learned AutoAugment policies: ImageNet, CIFAR10, SVHN."""

    IMAGENET = "imagenet"
    CIFAR10 = "cifar10"
    SVHN = "svhn"


# (op, probability, magnitude bin or None) pairs; the published policies (AutoAugment paper, appendix)
_POLICIES = {
    AutoAugmentPolicy.IMAGENET: [
        (("Posterize", 0.4, 8), ("Rotate", 0.6, 9)), (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None)), (("Posterize", 0.6, 7), ("Posterize", 0.6, 6)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)), (("Equalize", 0.4, None), ("Rotate", 0.8, 8)),
        (("Solarize", 0.6, 3), ("Equalize", 0.6, None)), (("Posterize", 0.8, 5), ("Equalize", 1.0, None)),
        (("Rotate", 0.2, 3), ("Solarize", 0.6, 8)), (("Equalize", 0.6, None), ("Posterize", 0.4, 6)),
        (("Rotate", 0.8, 8), ("Color", 0.4, 0)), (("Rotate", 0.4, 9), ("Equalize", 0.6, None)),
        (("Equalize", 0.0, None), ("Equalize", 0.8, None)), (("Invert", 0.6, None), ("Equalize", 1.0, None)),
        (("Color", 0.6, 4), ("Contrast", 1.0, 8)), (("Rotate", 0.8, 8), ("Color", 1.0, 2)),
        (("Color", 0.8, 8), ("Solarize", 0.8, 7)), (("Sharpness", 0.4, 7), ("Invert", 0.6, None)),
        (("ShearX", 0.6, 5), ("Equalize", 1.0, None)), (("Color", 0.4, 0), ("Equalize", 0.6, None)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)), (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Invert", 0.6, None), ("Equalize", 1.0, None)), (("Color", 0.6, 4), ("Contrast", 1.0, 8)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None)),
    ],
    AutoAugmentPolicy.CIFAR10: [
        (("Invert", 0.1, None), ("Contrast", 0.2, 6)), (("Rotate", 0.7, 2), ("TranslateX", 0.3, 9)),
        (("Sharpness", 0.8, 1), ("Sharpness", 0.9, 3)), (("ShearY", 0.5, 8), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.5, None), ("Equalize", 0.9, None)), (("ShearY", 0.2, 7), ("Posterize", 0.3, 7)),
        (("Color", 0.4, 3), ("Brightness", 0.6, 7)), (("Sharpness", 0.3, 9), ("Brightness", 0.7, 9)),
        (("Equalize", 0.6, None), ("Equalize", 0.5, None)), (("Contrast", 0.6, 7), ("Sharpness", 0.6, 5)),
        (("Color", 0.7, 7), ("TranslateX", 0.5, 8)), (("Equalize", 0.3, None), ("AutoContrast", 0.4, None)),
        (("TranslateY", 0.4, 3), ("Sharpness", 0.2, 6)), (("Brightness", 0.9, 6), ("Color", 0.2, 8)),
        (("Solarize", 0.5, 2), ("Invert", 0.0, None)), (("Equalize", 0.2, None), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.2, None), ("Equalize", 0.6, None)), (("Color", 0.9, 9), ("Equalize", 0.6, None)),
        (("AutoContrast", 0.8, None), ("Solarize", 0.2, 8)), (("Brightness", 0.1, 3), ("Color", 0.7, 0)),
        (("Solarize", 0.4, 5), ("AutoContrast", 0.9, None)), (("TranslateY", 0.9, 9), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.9, None), ("Solarize", 0.8, 3)), (("Equalize", 0.8, None), ("Invert", 0.1, None)),
        (("TranslateY", 0.7, 9), ("AutoContrast", 0.9, None)),
    ],
    AutoAugmentPolicy.SVHN: [
        (("ShearX", 0.9, 4), ("Invert", 0.2, None)), (("ShearY", 0.9, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.6, None), ("Solarize", 0.6, 6)), (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Equalize", 0.6, None), ("Rotate", 0.9, 3)), (("ShearX", 0.9, 4), ("AutoContrast", 0.8, None)),
        (("ShearY", 0.9, 8), ("Invert", 0.4, None)), (("ShearY", 0.9, 5), ("Solarize", 0.2, 6)),
        (("Invert", 0.9, None), ("AutoContrast", 0.8, None)), (("Equalize", 0.6, None), ("Rotate", 0.9, 3)),
        (("ShearX", 0.9, 4), ("Solarize", 0.3, 3)), (("ShearY", 0.8, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.9, None), ("TranslateY", 0.6, 6)), (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Contrast", 0.3, 3), ("Rotate", 0.8, 4)), (("Invert", 0.8, None), ("TranslateY", 0.0, 2)),
        (("ShearY", 0.7, 6), ("Solarize", 0.4, 8)), (("Invert", 0.6, None), ("Rotate", 0.8, 4)),
        (("ShearY", 0.3, 7), ("TranslateX", 0.9, 3)), (("ShearX", 0.1, 6), ("Invert", 0.6, None)),
        (("Solarize", 0.7, 2), ("TranslateY", 0.6, 7)), (("ShearY", 0.8, 4), ("Invert", 0.8, None)),
        (("ShearX", 0.7, 9), ("TranslateY", 0.8, 3)), (("ShearY", 0.8, 5), ("AutoContrast", 0.7, None)),
        (("ShearX", 0.7, 2), ("Invert", 0.1, None)),
    ],
}


def _geometric_and_color(num_bins: int, image_size: Tuple[int, int], translate_frac: float,
                         top: float) -> Dict[str, Tuple[Tensor, bool]]:
    """The shared magnitude table: op name -> (magnitude per bin, signed)."""
    lin = ember.linspace
    return {
        "ShearX": (lin(0.0, 0.3, num_bins), True),
        "ShearY": (lin(0.0, 0.3, num_bins), True),
        "TranslateX": (lin(0.0, translate_frac * image_size[1], num_bins), True),
        "TranslateY": (lin(0.0, translate_frac * image_size[0], num_bins), True),
        "Rotate": (lin(0.0, 30.0, num_bins), True),
        "Brightness": (lin(0.0, top, num_bins), True),
        "Color": (lin(0.0, top, num_bins), True),
        "Contrast": (lin(0.0, top, num_bins), True),
        "Sharpness": (lin(0.0, top, num_bins), True),
        "Posterize": (_posterize_bits(8, num_bins, 4), False),
        "Solarize": (lin(255.0, 0.0, num_bins), False),
        "AutoContrast": (_scalar(), False),
        "Equalize": (_scalar(), False),
    }


class AutoAugment(nn.Module):
    """AutoAugment: one random sub-policy (two ops, each applied with its probability) per image."""

    def __init__(self, policy: AutoAugmentPolicy = AutoAugmentPolicy.IMAGENET,
                 interpolation: InterpolationMode = InterpolationMode.NEAREST,
                 fill: Optional[List[float]] = None) -> None:
        super().__init__()
        self.policy = policy
        self.interpolation = interpolation
        self.fill = fill
        self.policies = self._get_policies(policy)

    def _get_policies(self, policy: AutoAugmentPolicy):
        if policy not in _POLICIES:
            raise ValueError(f"The provided policy {policy} is not recognized.")
        return list(_POLICIES[policy])

    def _augmentation_space(self, num_bins: int, image_size: Tuple[int, int]) -> Dict[str, Tuple[Tensor, bool]]:
        space = _geometric_and_color(num_bins, image_size, 150.0 / 331.0, 0.9)
        space["Invert"] = (_scalar(), False)
        return space

    @staticmethod
    def get_params(transform_num: int) -> Tuple[int, Tensor, Tensor]:
        """(sub-policy index, the two application probabilities, the two signs)."""
        policy_id = int(ember.randint(transform_num, (1,)).item())
        probs = ember.rand((2,))
        signs = ember.randint(2, (2,))
        return policy_id, probs, signs

    def forward(self, img):
        fill = _fill_for(img, self.fill)
        _, height, width = F.get_dimensions(img)
        transform_id, probs, signs = self.get_params(len(self.policies))
        op_meta = self._augmentation_space(10, (height, width))
        for i, (op_name, p, magnitude_id) in enumerate(self.policies[transform_id]):
            if probs[i] <= p:
                magnitudes, signed = op_meta[op_name]
                magnitude = float(magnitudes[magnitude_id].item()) if magnitude_id is not None else 0.0
                if signed and signs[i] == 0:
                    magnitude *= -1.0
                img = _apply_op(img, op_name, magnitude, interpolation=self.interpolation, fill=fill)
        return img

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(policy={self.policy}, fill={self.fill})"


class RandAugment(nn.Module):
    """RandAugment: ``num_ops`` uniformly chosen ops, all at the fixed ``magnitude`` bin."""

    def __init__(self, num_ops: int = 2, magnitude: int = 9, num_magnitude_bins: int = 31,
                 interpolation: InterpolationMode = InterpolationMode.NEAREST,
                 fill: Optional[List[float]] = None) -> None:
        super().__init__()
        self.num_ops = num_ops
        self.magnitude = magnitude
        self.num_magnitude_bins = num_magnitude_bins
        self.interpolation = interpolation
        self.fill = fill

    def _augmentation_space(self, num_bins: int, image_size: Tuple[int, int]) -> Dict[str, Tuple[Tensor, bool]]:
        space = {"Identity": (_scalar(), False)}  # first: the op index counts from it
        space.update(_geometric_and_color(num_bins, image_size, 150.0 / 331.0, 0.9))
        return space

    def forward(self, img):
        fill = _fill_for(img, self.fill)
        _, height, width = F.get_dimensions(img)
        op_meta = self._augmentation_space(self.num_magnitude_bins, (height, width))
        names = list(op_meta.keys())
        for _ in range(self.num_ops):
            op_name = names[int(ember.randint(len(op_meta), (1,)).item())]
            magnitudes, signed = op_meta[op_name]
            magnitude = float(magnitudes[self.magnitude].item()) if magnitudes.ndim > 0 else 0.0
            if signed and ember.randint(2, (1,)):
                magnitude *= -1.0
            img = _apply_op(img, op_name, magnitude, interpolation=self.interpolation, fill=fill)
        return img

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(num_ops={self.num_ops}, magnitude={self.magnitude}, "
                f"num_magnitude_bins={self.num_magnitude_bins}, interpolation={self.interpolation}, "
                f"fill={self.fill})")


class TrivialAugmentWide(nn.Module):
    """TrivialAugment (wide ranges): one uniformly chosen op at a uniformly chosen magnitude bin."""

    def __init__(self, num_magnitude_bins: int = 31, interpolation: InterpolationMode = InterpolationMode.NEAREST,
                 fill: Optional[List[float]] = None) -> None:
        super().__init__()
        self.num_magnitude_bins = num_magnitude_bins
        self.interpolation = interpolation
        self.fill = fill

    def _augmentation_space(self, num_bins: int) -> Dict[str, Tuple[Tensor, bool]]:
        lin = ember.linspace
        return {
            "Identity": (_scalar(), False),
            "ShearX": (lin(0.0, 0.99, num_bins), True),
            "ShearY": (lin(0.0, 0.99, num_bins), True),
            "TranslateX": (lin(0.0, 32.0, num_bins), True),
            "TranslateY": (lin(0.0, 32.0, num_bins), True),
            "Rotate": (lin(0.0, 135.0, num_bins), True),
            "Brightness": (lin(0.0, 0.99, num_bins), True),
            "Color": (lin(0.0, 0.99, num_bins), True),
            "Contrast": (lin(0.0, 0.99, num_bins), True),
            "Sharpness": (lin(0.0, 0.99, num_bins), True),
            "Posterize": (_posterize_bits(8, num_bins, 6), False),
            "Solarize": (lin(255.0, 0.0, num_bins), False),
            "AutoContrast": (_scalar(), False),
            "Equalize": (_scalar(), False),
        }

    def forward(self, img):
        fill = _fill_for(img, self.fill)
        op_meta = self._augmentation_space(self.num_magnitude_bins)
        op_name = list(op_meta.keys())[int(ember.randint(len(op_meta), (1,)).item())]
        magnitudes, signed = op_meta[op_name]
        magnitude = 0.0
        if magnitudes.ndim > 0:
            magnitude = float(magnitudes[ember.randint(len(magnitudes), (1,), dtype=ember.long)].item())
        if signed and ember.randint(2, (1,)):
            magnitude *= -1.0
        return _apply_op(img, op_name, magnitude, interpolation=self.interpolation, fill=fill)

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(num_magnitude_bins={self.num_magnitude_bins}, "
                f"interpolation={self.interpolation}, fill={self.fill})")


class AugMix(nn.Module):
    """AugMix: a Dirichlet-weighted mix of ``mixture_width`` random op chains, blended with the original
    by a Beta weight."""

    def __init__(self, severity: int = 3, mixture_width: int = 3, chain_depth: int = -1, alpha: float = 1.0,
                 all_ops: bool = True, interpolation: InterpolationMode = InterpolationMode.BILINEAR,
                 fill: Optional[List[float]] = None) -> None:
        super().__init__()
        self._PARAMETER_MAX = 10
        if not (1 <= severity <= self._PARAMETER_MAX):
            raise ValueError(f"The severity must be between [1, {self._PARAMETER_MAX}]. Got {severity} instead.")
        self.severity = severity
        self.mixture_width = mixture_width
        self.chain_depth = chain_depth
        self.alpha = alpha
        self.all_ops = all_ops
        self.interpolation = interpolation
        self.fill = fill

    def _augmentation_space(self, num_bins: int, image_size: Tuple[int, int]) -> Dict[str, Tuple[Tensor, bool]]:
        lin = ember.linspace
        space = {
            "ShearX": (lin(0.0, 0.3, num_bins), True),
            "ShearY": (lin(0.0, 0.3, num_bins), True),
            "TranslateX": (lin(0.0, image_size[1] / 3.0, num_bins), True),
            "TranslateY": (lin(0.0, image_size[0] / 3.0, num_bins), True),
            "Rotate": (lin(0.0, 30.0, num_bins), True),
            "Posterize": (_posterize_bits(4, num_bins, 4), False),
            "Solarize": (lin(255.0, 0.0, num_bins), False),
            "AutoContrast": (_scalar(), False),
            "Equalize": (_scalar(), False),
        }
        if self.all_ops:
            for name in ("Brightness", "Color", "Contrast", "Sharpness"):
                space[name] = (lin(0.0, 0.9, num_bins), True)
        return space

    def _sample_dirichlet(self, params: Tensor) -> Tensor:
        return ember._sample_dirichlet(params)

    def forward(self, orig_img):
        fill = self.fill
        channels, height, width = F.get_dimensions(orig_img)
        if isinstance(orig_img, Tensor):
            img = orig_img
            fill = _fill_for(orig_img, fill)
        else:
            img = F.pil_to_tensor(orig_img)
        op_meta = self._augmentation_space(self._PARAMETER_MAX, (height, width))
        names = list(op_meta.keys())

        orig_dims = list(img.shape)
        batch = img.view([1] * max(4 - img.ndim, 0) + orig_dims)
        n = batch.size(0)
        batch_dims = [n] + [1] * (batch.ndim - 1)
        # Beta(alpha, alpha) as a 2-way Dirichlet: column 0 weighs the original, column 1 the mix
        m = self._sample_dirichlet(ember.tensor([self.alpha, self.alpha]).expand(n, -1))
        combined_weights = self._sample_dirichlet(
            ember.tensor([self.alpha] * self.mixture_width).expand(n, -1)) * m[:, 1].view([n, -1])

        mix = m[:, 0].view(batch_dims) * batch
        for i in range(self.mixture_width):
            aug = batch
            depth = self.chain_depth if self.chain_depth > 0 else int(ember.randint(low=1, high=4, size=(1,)).item())
            for _ in range(depth):
                op_name = names[int(ember.randint(len(op_meta), (1,)).item())]
                magnitudes, signed = op_meta[op_name]
                magnitude = 0.0
                if magnitudes.ndim > 0:
                    magnitude = float(magnitudes[ember.randint(self.severity, (1,), dtype=ember.long)].item())
                if signed and ember.randint(2, (1,)):
                    magnitude *= -1.0
                aug = _apply_op(aug, op_name, magnitude, interpolation=self.interpolation, fill=fill)
            mix.add_(combined_weights[:, i].view(batch_dims) * aug)
        mix = mix.view(orig_dims).to(dtype=img.dtype)
        if not isinstance(orig_img, Tensor):
            return F.to_pil_image(mix)
        return mix

    def __repr__(self) -> str:
        return (f"{self.__class__.__name__}(severity={self.severity}, mixture_width={self.mixture_width}, "
                f"chain_depth={self.chain_depth}, alpha={self.alpha}, all_ops={self.all_ops}, "
                f"interpolation={self.interpolation}, fill={self.fill})")
