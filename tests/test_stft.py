"""torch.stft / torch.istft against torch: values, gradients, round trip, errors; and
view_as_real of non-contiguous complex tensors (stft's output is transposed)."""
import warnings

import numpy as np
import pytest

import ember
from tests._oracle import torch_or_skip

torch = torch_or_skip()
X = np.random.default_rng(0).standard_normal((2, 40))


@pytest.mark.parametrize("kw", [dict(n_fft=8, return_complex=True), dict(n_fft=8, hop_length=3, return_complex=False),
                                dict(n_fft=8, center=False, onesided=False, return_complex=True),
                                dict(n_fft=16, hop_length=4, win_length=12, window=True, normalized=True,
                                     return_complex=True),
                                dict(n_fft=8, pad_mode="constant", return_complex=True)])
@pytest.mark.parametrize("batched", [True, False])
def test_stft_values_and_gradients(kw, batched):
    res = []
    for L in (ember, torch):
        k = dict(kw)
        if k.get("window"):
            k["window"] = L.hann_window(12, dtype=L.float64)
        x = L.from_numpy(X.copy() if batched else X[0].copy()).requires_grad_(True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s = L.stft(x, **k)
        r = L.view_as_real(s) if s.is_complex() else s
        v = L.from_numpy(np.random.default_rng(1).standard_normal(tuple(r.shape)))
        (r * v).sum().backward()
        res.append((r.detach().numpy(), x.grad.numpy()))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_istft_round_trip_gradient_and_errors():
    res = []
    for L in (ember, torch):
        w = L.hann_window(6, dtype=L.float64)
        x = L.from_numpy(X.copy())
        s = L.stft(x, 8, hop_length=2, win_length=6, window=w, return_complex=True, normalized=True)
        s = s.detach().requires_grad_(True)
        y = L.istft(s, 8, hop_length=2, win_length=6, window=w, normalized=True, length=40)
        (y * L.from_numpy(np.random.default_rng(2).standard_normal(tuple(y.shape)))).sum().backward()
        np.testing.assert_allclose(y.detach().numpy(), X, atol=1e-12)
        res.append((y.detach().numpy(), L.view_as_real(s.grad).numpy()))
        with pytest.raises(RuntimeError, match="stft requires the return_complex parameter"):
            L.stft(x, 8)
        with pytest.raises(RuntimeError, match="window overlap add min"):
            L.istft(L.stft(x[0], 8, window=L.zeros(8, dtype=L.float64), return_complex=True), 8,
                    window=L.zeros(8, dtype=L.float64))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_view_as_real_of_strided_complex_shares_memory():
    z0 = (np.arange(12) + 1j * np.arange(12)).reshape(3, 4)
    for L in (ember, torch):
        z = L.from_numpy(z0.copy()).t()
        r = L.view_as_real(z)
        assert tuple(r.shape) == (4, 3, 2) and r.stride() == (2, 8, 1)
        r[0, 0, 1] = 99
        assert z[0, 0].item() == 99j
