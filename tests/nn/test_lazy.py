"""Lazy modules against torch: placeholders until the first forward, then the real class with
the same parameter objects (an optimizer made before the first forward keeps working)."""
import numpy as np
import pytest

import ember
from tests._oracle import torch_or_skip

torch = torch_or_skip()


def _net(L):
    return L.nn.Sequential(L.nn.LazyConv2d(4, 3, padding=1, bias=False), L.nn.LazyBatchNorm2d(),
                           L.nn.LazyConvTranspose2d(2, 2, stride=2), L.nn.LazyInstanceNorm2d(1e-3, 0.2),
                           L.nn.Flatten(), L.nn.LazyLinear(3))


def test_lazy_network_materializes_like_torch():
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 4)).astype(np.float32)
    res = []
    for L in (ember, torch):
        m = _net(L)
        assert m[0].has_uninitialized_params() and type(m[0].weight).__name__ == "UninitializedParameter"
        opt = L.optim.SGD(m.parameters(), lr=0.1)
        y = m(L.from_numpy(x))
        before = {k: v.detach().numpy().copy() for k, v in m.state_dict().items()}
        y.sum().backward()
        opt.step()
        changed = sorted(k for k, v in m.state_dict().items() if not np.array_equal(v.numpy(), before[k]))
        res.append(([type(c).__name__ for c in m], list(m.state_dict()),
                     {k: tuple(v.shape) for k, v in m.state_dict().items()}, repr(m), tuple(y.shape), changed))
    assert res[0] == res[1]


def test_lazy_unbatched_conv_and_linear_any_rank():
    for L in (ember, torch):
        c = L.nn.LazyConv1d(5, 3)
        assert c(L.ones(7, 10)).shape == (5, 8) and c.in_channels == 7
        lin = L.nn.LazyLinear(2, bias=False)
        assert lin(L.ones(4, 3, 6)).shape == (4, 3, 2) and lin.bias is None and lin.in_features == 6
