"""nn.AdaptiveLogSoftmaxWithLoss against torch: structure, outputs, loss, gradients, log_prob,
predict, unbatched input, errors."""
import numpy as np
import pytest

import ember
from tests._oracle import torch_or_skip

torch = torch_or_skip()


@pytest.mark.parametrize("cfg", [dict(cutoffs=[3, 6], div_value=2.0), dict(cutoffs=[5], head_bias=True)])
def test_adaptive_log_softmax_matches_torch(cfg):
    tm = torch.nn.AdaptiveLogSoftmaxWithLoss(8, 10, **cfg)
    em = ember.nn.AdaptiveLogSoftmaxWithLoss(8, 10, **cfg)
    assert list(em.state_dict()) == list(tm.state_dict()) and repr(em) == repr(tm)
    em.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})
    x0 = np.random.default_rng(0).standard_normal((6, 8)).astype(np.float32)
    t0 = np.array([0, 4, 7, 9, 2, 5])
    res = []
    for L, m in ((ember, em), (torch, tm)):
        x = L.from_numpy(x0).requires_grad_(True)
        r = m(x, L.from_numpy(t0))
        r.loss.backward()
        res.append([r.output.detach().numpy(), np.float32(r.loss.item()), x.grad.numpy(),
                    m.head.weight.grad.numpy(), m.log_prob(x).detach().numpy(), m.predict(x).numpy(),
                    m(x[0], L.tensor(t0[0])).output.detach().numpy()])
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for L, m in ((ember, em), (torch, tm)):
        with pytest.raises(RuntimeError, match=r"Target values should be in \[0, 9\]"):
            m(L.from_numpy(x0[:2]), L.tensor([0, 10]))
        with pytest.raises(ValueError, match="cutoffs should be a sequence"):
            L.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [6, 3])
