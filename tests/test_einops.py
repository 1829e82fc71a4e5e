"""torch.func.rearrange against torch: splits, merges, permutations, ellipsis, size-1 axes, lists
of tensors, gradients, and errors."""
import numpy as np
import pytest

import ember
from tests._oracle import requires_torch, torch

pytestmark = requires_torch

CASES = [
    ("b c h -> h b c", {}),
    ("b c (h w) -> b h w c", {"w": 2}),
    ("b ... -> (b ...)", {}),
    ("b c h -> b 1 c h", {}),
    ("... h -> h ...", {}),
    ("b c h -> (b c) h", {}),
    ("b c (h w) -> (w b) (c h)", {"h": 2}),
    ("b 1 c h -> c (b h)", {}),
]


@pytest.mark.parametrize("pattern,lengths", CASES)
def test_rearrange_matches_torch(pattern, lengths):
    x = np.arange(24.0).reshape((2, 1, 3, 4) if " 1 c h ->" in pattern else (2, 3, 4))
    a = torch.func.rearrange(torch.tensor(x, requires_grad=True), pattern, **lengths)
    e = ember.tensor(x, requires_grad=True)
    b = ember.func.rearrange(e, pattern, **lengths)
    assert tuple(a.shape) == tuple(b.shape)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    (b * ember.arange(float(b.numel())).reshape(b.shape)).sum().backward()
    assert e.grad.shape == e.shape


def test_list_input_and_errors():
    a = torch.func.rearrange([torch.ones(2, 3), torch.zeros(2, 3)], "n a b -> a (n b)")
    b = ember.func.rearrange([ember.ones(2, 3), ember.zeros(2, 3)], "n a b -> a (n b)")
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    x, tx = ember.zeros(2, 3, 4), torch.zeros(2, 3, 4)
    for bad in ["b c -> b c", "b c h -> b c", "b c h -> b c h w", "b c h -> b 2 c h"]:
        with pytest.raises(ValueError) as te:
            torch.func.rearrange(tx, bad)
        with pytest.raises(ValueError) as ee:
            ember.func.rearrange(x, bad)
        assert str(ee.value) == str(te.value)
    for bad, kw in [("b (c d) h -> b c d h", {}), ("b c (h w) -> b h w c", {"w": 3})]:
        with pytest.raises(Exception) as te:
            torch.func.rearrange(tx, bad, **kw)
        with pytest.raises(Exception) as ee:
            ember.func.rearrange(x, bad, **kw)
        assert type(ee.value).__name__ == type(te.value).__name__
        # torch names the unknown axes by its internal first-class dims (d1, d2): compare the rest
        assert str(ee.value).split(" at once")[0] == str(te.value).split(" at once")[0]
