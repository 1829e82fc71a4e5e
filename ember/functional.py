"""torch.functional: the functions torch defines in torch/functional.py (all also ember.* names)."""
from __future__ import annotations

from . import (atleast_1d, atleast_2d, atleast_3d, block_diag, broadcast_shapes,  # noqa: F401
               broadcast_tensors, cartesian_prod, cdist, chain_matmul, einsum, istft, lu, meshgrid, norm,
               split, stft, tensordot, unique, unique_consecutive, unravel_index)

__all__ = ["atleast_1d", "atleast_2d", "atleast_3d", "block_diag", "broadcast_shapes", "broadcast_tensors",
           "cartesian_prod", "cdist", "chain_matmul", "einsum", "istft", "lu", "meshgrid", "norm", "split",
           "stft", "tensordot", "unique", "unique_consecutive", "unravel_index"]
