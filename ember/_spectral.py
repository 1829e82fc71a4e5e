"""torch.stft / torch.istft, written in ember ops (framing by unfold, fft.rfft/fft, overlap-add
by fold), so they are differentiable."""
from __future__ import annotations

import warnings

from ._tensor import Tensor, register_methods

__all__ = ["stft", "istft"]


def _window(window, win_length: int, n_fft: int, like: Tensor) -> Tensor:
    """The window zero-padded (centred) to n_fft."""
    from . import ones
    from .nn.functional import pad
    w = window if window is not None else ones(win_length, dtype=like.real.dtype if like.is_complex() else like.dtype)
    if w.dim() != 1 or w.shape[0] != win_length:
        raise RuntimeError(f"stft: expected a 1D window tensor of size equal to win_length={win_length}, but "
                           f"got window with size {list(w.shape)}")
    left = (n_fft - win_length) // 2
    return pad(w, (left, n_fft - win_length - left)) if win_length < n_fft else w


def stft(input: Tensor, n_fft: int, hop_length=None, win_length=None, window=None, center: bool = True,
         pad_mode: str = "reflect", normalized: bool = False, onesided=None, return_complex=None) -> Tensor:
    """Short-time Fourier transform: (freq, frames) per signal, complex (or (..., 2) real)."""
    from . import fft
    from .nn.functional import pad
    if return_complex is None and not input.is_complex() and not (window is not None and window.is_complex()):
        raise RuntimeError("stft requires the return_complex parameter be given for real inputs, and will "
                           "further require that return_complex=True in a future PyTorch release.")
    if input.dim() not in (1, 2):
        raise RuntimeError(f"stft: expected a 1D or 2D tensor, but got {input.dim()}D")
    hop = hop_length if hop_length is not None else n_fft // 4
    win = win_length if win_length is not None else n_fft
    if n_fft <= 0 or hop <= 0 or not 0 < win <= n_fft:
        raise RuntimeError(f"stft: expected 0 < n_fft, 0 < hop_length and 0 < win_length <= n_fft, but got "
                           f"n_fft={n_fft}, hop_length={hop}, win_length={win}")
    if window is None:
        warnings.warn("A window was not provided. A rectangular window will be applied,which is known to "
                      "cause spectral leakage. Other windows such as torch.hann_window or "
                      "torch.hamming_window are recommended to reduce spectral leakage.To suppress this "
                      "warning and use a rectangular window, explicitly set `window=torch.ones(n_fft, "
                      "device=<device>)`.", UserWarning, stacklevel=2)
    x = input.unsqueeze(0) if input.dim() == 1 else input
    if center:
        x = pad(x.unsqueeze(1), (n_fft // 2, n_fft // 2), mode=pad_mode).squeeze(1)
    if x.shape[-1] < n_fft:
        raise RuntimeError(f"stft: expected 0 < n_fft <= {x.shape[-1]}, but got n_fft={n_fft}")
    frames = x.unfold(-1, n_fft, hop) * _window(window, win, n_fft, x)  # (B, n_frames, n_fft)
    onesided = onesided if onesided is not None else not (input.is_complex() or
                                                          (window is not None and window.is_complex()))
    spec = fft.rfft(frames, dim=-1) if onesided else fft.fft(frames, dim=-1)
    if normalized:
        spec = spec * n_fft ** -0.5
    spec = spec.transpose(-1, -2)
    if input.dim() == 1:
        spec = spec.squeeze(0)
    if not return_complex:
        from .ops.pointwise import view_as_real
        return view_as_real(spec)
    return spec


def istft(input: Tensor, n_fft: int, hop_length=None, win_length=None, window=None, center: bool = True,
          normalized: bool = False, onesided=None, length=None, return_complex: bool = False) -> Tensor:
    """Inverse of stft by overlap-add, divided by the overlap-added squared window."""
    from . import fft
    from .nn.functional import fold
    if not input.is_complex():
        raise RuntimeError("istft requires a complex-valued input tensor")
    hop = hop_length if hop_length is not None else n_fft // 4
    win = win_length if win_length is not None else n_fft
    spec = input.unsqueeze(0) if input.dim() == 2 else input  # (B, freq, frames)
    n_frames = spec.shape[-1]
    onesided = onesided if onesided is not None else spec.shape[-2] != n_fft
    if normalized:
        spec = spec * n_fft ** 0.5
    cols = spec.transpose(-1, -2)
    frames = fft.irfft(cols, n=n_fft, dim=-1) if onesided else fft.ifft(cols, dim=-1)
    if not return_complex and frames.is_complex():
        frames = frames.real
    w = _window(window, win, n_fft, frames)
    frames = frames * w  # (B, frames, n_fft)
    total = n_fft + hop * (n_frames - 1)
    y = fold(frames.transpose(-1, -2), (1, total), (1, n_fft), stride=(1, hop)).reshape(spec.shape[0], total)
    from . import ones
    env = fold((w * w).reshape(1, n_fft, 1).expand(1, n_fft, n_frames), (1, total), (1, n_fft),
               stride=(1, hop)).reshape(total)
    start = n_fft // 2 if center else 0
    end = total - (n_fft // 2 if center else 0)
    if length is not None:
        end = start + length
    env_used = env[start:min(end, total)]
    if bool((env_used.abs() < 1e-11).any()):
        raise RuntimeError(f"istft(n_fft={n_fft}, hop_length={hop}, win_length={win}, center={int(center)}, "
                           f"normalized={int(normalized)}, length={length}) window overlap add min: "
                           f"{float(env_used.abs().min())}")
    y = y[:, start:min(end, total)] / env_used
    if length is not None and y.shape[-1] < length:
        from .nn.functional import pad
        y = pad(y, (0, length - y.shape[-1]))
    del ones
    return y.squeeze(0) if input.dim() == 2 else y


register_methods({"stft": stft, "istft": istft})
