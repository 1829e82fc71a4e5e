"""Helpers shared by the optimizer/scheduler oracle tests: tensor conversion across libraries."""
import numpy as np

import ember
from tests._oracle import torch


def to_torch(obj):
    """Deep-convert ember tensors inside dicts/lists/tuples to torch tensors (via numpy)."""
    if isinstance(obj, ember.Tensor):
        return torch.from_numpy(np.array(obj.detach().numpy(), copy=True))
    if isinstance(obj, dict):
        return {k: to_torch(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [to_torch(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(to_torch(v) for v in obj)
    return obj


def to_ember(obj):
    """Deep-convert torch tensors inside dicts/lists/tuples to ember tensors (via numpy)."""
    if isinstance(obj, torch.Tensor):
        return ember.from_numpy(np.array(obj.detach().numpy(), copy=True))
    if isinstance(obj, dict):
        return {k: to_ember(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [to_ember(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(to_ember(v) for v in obj)
    return obj
