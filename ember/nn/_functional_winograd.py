"""3x3 stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3), on NumPy arrays.

Each 2x2 block of outputs is computed from a 4x4 input tile: with the tile transform
``V = B^T d B``, the filter transform ``U = G g G^T`` and the output transform ``Y = A^T M A``,

    M[a, b] (O, tiles) = U[a, b] (O, C) @ V[a, b] (C, tiles)     for the 16 (a, b) pairs

so the products cost 16 multiplications per 4 outputs instead of 36 (2.25x fewer FLOPs than
direct or im2col convolution). The transforms are a few additions over strided views of the input
and output; they are cheap next to the products when C and O are 32 or more. Rounding differs from
a direct convolution by a few float32 ulps (the transforms only add, subtract and halve).

    B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
    G   = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]
    A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]
"""
from __future__ import annotations

import numpy as np

from .._blas import gemm, parallel_elementwise, parallel_ranges

def _g_transform(g0, g1, g2, out):
    """out[0..3] = G [g0, g1, g2] along one axis."""
    np.copyto(out[0], g0)
    np.add(g0, g2, out=out[1])
    np.subtract(out[1], g1, out=out[2])
    out[1] += g1
    out[1] *= 0.5
    out[2] *= 0.5
    np.copyto(out[3], g2)


def filter_transform(w):
    """U (4, 4, O, C) = G w G^T of a weight (O, C, 3, 3), in w's dtype (adds on (O, C) planes)."""
    O, C = w.shape[:2]
    g = np.ascontiguousarray(w.transpose(2, 3, 0, 1))  # (3, 3, O, C)
    t = np.empty((4, 3, O, C), w.dtype)
    _g_transform(g[0], g[1], g[2], t)  # rows: G g
    U = np.empty((4, 4, O, C), w.dtype)
    for a in range(4):
        _g_transform(t[a, 0], t[a, 1], t[a, 2], U[a])  # columns: (G g) G^T
    return U


def _b_transform(d0, d1, d2, d3, out):
    """out[0..3] = B^T [d0, d1, d2, d3] along one axis (the same formula serves rows and columns)."""
    np.subtract(d0, d2, out=out[0])
    np.add(d1, d2, out=out[1])
    np.subtract(d2, d1, out=out[2])
    np.subtract(d1, d3, out=out[3])


def conv3x3(x, w, padding, bias=None, U=None):
    """y = conv2d(x, w, stride 1, dilation 1, padding) (+ bias) for x (N, C, H, W), w (O, C, 3, 3)."""
    N, C, H, W = x.shape
    O = w.shape[0]
    ph, pw = padding
    Ho, Wo = H + 2 * ph - 2, W + 2 * pw - 2
    th, tw = -(-Ho // 2), -(-Wo // 2)
    T = N * th * tw
    dt = x.dtype
    if U is None:
        U = filter_transform(w)
    # the padded input, channel-major, with room for whole tiles at the bottom/right
    xp_ = np.zeros((C, N, 2 * th + 2, 2 * tw + 2), dt)
    V = np.empty((4, 4, C, N, th, tw), dt)
    xt = x.transpose(1, 0, 2, 3)

    def tiles_in(lo, hi):  # channels lo:hi: copy in, then B^T d B over all their tiles
        xp_[lo:hi, :, ph:ph + H, pw:pw + W] = xt[lo:hi]
        X = xp_[lo:hi]
        R = np.empty((4, hi - lo, N, th, 2 * tw + 2), dt)
        _b_transform(*(X[:, :, r:r + 2 * th:2] for r in range(4)), R)
        for i in range(4):
            _b_transform(*(R[i][..., c:c + 2 * tw:2] for c in range(4)), V[i, :, lo:hi])
    parallel_elementwise(x, C, tiles_in, 16 * C * T)

    M = np.empty((4, 4, O, T), dt)
    Vm = V.reshape(4, 4, C, T)

    def products(lo, hi):  # the 16 independent GEMMs
        for ab in range(lo, hi):
            a, b = divmod(ab, 4)
            gemm(U[a, b], Vm[a, b], M[a, b])
    parallel_ranges(16, products, 2.0 * 16 * O * C * T, per_thread=8)

    y = np.empty((N, O, 2 * th, 2 * tw), dt)
    M6 = M.reshape(4, 4, O, N, th, tw)
    yt = y.transpose(1, 0, 2, 3)  # (O, N, 2th, 2tw)
    b3 = bias.reshape(-1, 1, 1, 1) if bias is not None else None

    def tiles_out(lo, hi):  # output channels lo:hi: A^T M A, written to the four output phases
        Mb = M6[:, :, lo:hi]
        P = np.empty((2, 4) + Mb.shape[2:], dt)
        np.add(Mb[0], Mb[1], out=P[0])
        P[0] += Mb[2]
        np.subtract(Mb[1], Mb[2], out=P[1])
        P[1] -= Mb[3]
        for i in range(2):
            q = P[i]
            dst0 = yt[lo:hi, :, i::2, 0::2]
            np.add(q[0], q[1], out=dst0)
            dst0 += q[2]
            dst1 = yt[lo:hi, :, i::2, 1::2]
            np.subtract(q[1], q[2], out=dst1)
            dst1 -= q[3]
        if b3 is not None:
            yt[lo:hi] += b3[lo:hi]
    parallel_elementwise(x, O, tiles_out, 8 * O * T)
    if Ho != 2 * th or Wo != 2 * tw:
        return np.ascontiguousarray(y[:, :, :Ho, :Wo])
    return y


def pays(N, C, O, H, W, k, stride, padding, dilation) -> bool:
    """Winograd for 3x3, stride 1, undilated convolutions with enough channels and tiles that the
    products (not the transforms, nor the filter transform) dominate. Measured on the benchmark
    machine: 2.25x fewer FLOPs wins from 128 channels and a few hundred tiles (1x256x64x64: 22 ms
    against 39 ms for shift-GEMM); with 64 channels or 7x7 images the transforms cost more."""
    if k != (3, 3) or stride != (1, 1) or dilation != (1, 1) or C < 128 or O < 128 or max(padding) > 2:
        return False
    th, tw = -(-(H + 2 * padding[0] - 2) // 2), -(-(W + 2 * padding[1] - 2) // 2)
    return th > 0 and tw > 0 and N * th * tw >= 256


# ---- filter transforms, cached per weight tensor and version ------------------------------------------
_CACHE_BYTES = 512 << 20
_cache: dict = {}  # id(weight tensor) -> (weakref, version, array id, U)
_cached_bytes = 0


def _drop(key):
    global _cached_bytes
    entry = _cache.pop(key, None)
    if entry is not None:
        _cached_bytes -= entry[3].nbytes


def filter_for(w, weight=None):
    """U of the array w; when ``weight`` (the Tensor w belongs to) is given, the transform is kept
    until the tensor changes (its version counter) or dies, within a total of 512 MiB."""
    global _cached_bytes
    if weight is None:
        return filter_transform(w)
    import weakref
    key = id(weight)
    entry = _cache.get(key)
    ver = weight._version
    if entry is not None and entry[0]() is weight and entry[1] == ver and entry[2] == id(w):
        return entry[3]
    _drop(key)
    U = filter_transform(w)
    if _cached_bytes + U.nbytes <= _CACHE_BYTES:
        try:
            ref = weakref.ref(weight, lambda _r, key=key: _drop(key))
        except TypeError:  # pragma: no cover - not weak-referenceable
            return U
        _cache[key] = (ref, ver, id(w), U)
        _cached_bytes += U.nbytes
    return U
