"""torch's CPU random stream, reproduced: a Mersenne Twister (MT19937) and the transforms torch's
CPU kernels apply to its 32-bit outputs, so ``ember.manual_seed(0); ember.rand(3)`` prints the
same numbers as torch does, and so do weight inits, dropout masks and DataLoader shuffles.

The twister itself is NumPy's (``RandomState``, seeded with the 32-bit seed the same way torch
seeds its engine); what lives here is how torch turns raw words into samples, worked out by
comparing against torch 2.x: a float32 uniform is the low 24 bits of one word over 2^24, a
float64 uniform the low 53 bits of two words (first word high) over 2^53, integers are a word
(or two, when the range needs more than 32 bits) modulo the range. Normals come from Box-Muller:
contiguous tensors of 16 or more elements transform blocks of 16 uniforms at once, anything else
draws pairs of float64 uniforms one sample at a time and keeps the pair's second sample for the
next call (part of the generator's state, like torch).

Everything here works on NumPy arrays in *memory order* of the destination: torch's kernels walk
a tensor in the order its elements lie in memory, so an in-place sampler on a transposed or
sliced tensor gets the same values torch's does.
"""
from __future__ import annotations

import math
import sys

import numpy as np

STATE_BYTES = 5056  # torch's CPU generator state: the legacy THGeneratorState layout
_N = 624
_TWO_PI = 2.0 * math.pi
assert sys.byteorder == "little", "ember's torch-compatible RNG reads word pairs as little-endian uint64"


class MTStream:
    """One CPU generator's stream: the twister plus torch's cached second Box-Muller sample."""

    __slots__ = ("_bg", "_rs", "_fresh", "_cached", "_extra")

    def __init__(self, seed: int) -> None:
        self.seed(seed)

    def seed(self, seed: int) -> None:
        """torch seeds its twister with the low 32 bits of the (64-bit) seed."""
        self._bg = np.random.MT19937()
        self._rs = np.random.RandomState(self._bg)  # shares the twister; seed() is torch's seeding
        self._rs.seed(seed & 0xFFFFFFFF)
        self._fresh = True  # torch reports (left=1, next=0) until the first draw
        self._cached = None  # the second sample of the last scalar Box-Muller pair
        self._extra = bytes(12)  # torch's float-normal cache bytes, kept for a state round trip

    # ---- raw words ------------------------------------------------------------------------------
    def u32(self, n: int) -> np.ndarray:
        """n raw 32-bit words (uint32)."""
        self._fresh = False
        if n <= 4096:  # fewer calls' overhead; the same words either way
            return self._bg.random_raw(n).astype(np.uint32)
        return self._rs.randint(0, 1 << 32, size=n, dtype=np.uint32)

    def u64(self, n: int) -> np.ndarray:
        """n 64-bit words made of two raw words each, the first one high (uint64)."""
        v = self.u32(2 * n).view(np.uint64)  # pairs, little-endian: first word low
        return (v << np.uint64(32)) | (v >> np.uint64(32))

    # ---- uniforms ---------------------------------------------------------------------------------
    def uniform32(self, n: int, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
        """float32 in [lo, hi): 24 random bits each, scaled with one rounding (torch's fused
        multiply-add, the range taken in float32)."""
        plain = lo == 0 and hi == 1
        if plain and n <= 64:  # a few: one pass, no thread split
            self._fresh = False
            w = self._bg.random_raw(n) & 0xFFFFFF
            return np.multiply(w, np.float32(2.0 ** -24), dtype=np.float32, casting="unsafe")
        w = self.u32(n)
        out = np.empty(n, np.float32)
        lo32 = float(np.float32(lo))
        step = float(np.float32(np.float32(hi) - np.float32(lo))) * 2.0 ** -24

        def part(a, b):
            k = np.bitwise_and(w[a:b], np.uint32(0xFFFFFF), out=w[a:b]).view(np.int32)
            if plain:
                o = out[a:b]
                np.copyto(o, k, casting="unsafe")  # exact: below 2^24
                o *= np.float32(2.0 ** -24)
            else:  # k * step is exact in float64 (24 x 24 bits): one rounding to float32 after +lo
                t = k * step
                t += lo32
                out[a:b] = t
        _parallel(n, part)
        return out

    def uniform64(self, n: int, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
        """float64 in [lo, hi): 53 random bits each, scaled as a fused multiply-add."""
        if n <= 8 and lo == 0 and hi == 1:  # a few: plain Python is quicker than array passes
            self._fresh = False
            w = self._bg.random_raw(2 * n).tolist()
            return np.array([_u53(w[k], w[k + 1])
                             for k in range(0, 2 * n, 2)], np.float64)
        w = self.u32(2 * n)
        out = np.empty(n, np.float64)
        plain = lo == 0 and hi == 1

        def part(a, b):
            # each pair of words as one 64-bit integer, first word high: the little-endian view
            # holds them swapped, so rotate by 32; keep 53 bits
            v = w[2 * a:2 * b].view(np.uint64)
            k = v << np.uint64(32)
            k |= v >> np.uint64(32)
            k &= np.uint64((1 << 53) - 1)
            o = out[a:b]
            np.copyto(o, k.view(np.int64), casting="unsafe")  # exact: below 2^53
            o *= 2.0 ** -53
            if not plain:
                o[...] = fma(o, hi - lo, lo)
        _parallel(n, part)
        return out

    def uniform(self, n: int, dtype, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
        """Uniform [lo, hi) in float64 for float64 destinations, float32 otherwise."""
        if np.dtype(dtype) == np.float64:
            return self.uniform64(n, lo, hi)
        return self.uniform32(n, lo, hi)

    # ---- integers ---------------------------------------------------------------------------------
    def integers(self, n: int, low: int, high: int) -> np.ndarray:
        """n integers in [low, high) as int64 (uint64 bit patterns when high > 2^63): a word modulo
        the range, two words when the range is 2^32 or more."""
        span = high - low
        if span <= 0:
            return np.full(n, low, np.int64)
        if span < (1 << 32):
            r = self.u32(n).astype(np.uint64) % np.uint64(span)
        elif span < (1 << 64):
            r = self.u64(n) % np.uint64(span)
        else:  # the whole 64-bit range
            r = self.u64(n)
        return (r + np.uint64(low & 0xFFFFFFFFFFFFFFFF)).view(np.int64)

    def permutation(self, n: int) -> np.ndarray:
        """0..n-1 shuffled as torch's randperm does on the CPU (forward Fisher-Yates)."""
        if n <= 1:
            return np.arange(n, dtype=np.int64)
        left = np.arange(n, 1, -1, dtype=np.uint64)
        words = self.u32(n - 1).astype(np.uint64) if n < (1 << 32) // 20 else self.u64(n - 1)
        return fisher_yates((words % left).astype(np.int64))

    # ---- normals ----------------------------------------------------------------------------------
    def normal_scalar(self, n: int) -> np.ndarray:
        """n float64 standard normals drawn one at a time (pairs, the second kept for later)."""
        out = np.empty(n)
        i = 0
        if n and self._cached is not None:
            out[0] = self._cached
            self._cached = None
            i = 1
        pairs = (n - i + 1) // 2
        if pairs <= 16 and pairs:  # a few: the C library's log/cos/sin, as torch uses here
            self._fresh = False
            w = self._bg.random_raw(4 * pairs).tolist()
            z = []
            for k in range(0, 4 * pairs, 4):
                z += _box_muller(_u53(w[k], w[k + 1]), _u53(w[k + 2], w[k + 3]))
            out[i:] = z[:n - i]
            if (n - i) % 2:
                self._cached = z[-1]
        elif pairs:
            u = self.uniform64(2 * pairs)
            r = np.sqrt(-2.0 * np.log1p(-u[1::2]))
            theta = _TWO_PI * u[0::2]
            z = np.empty(2 * pairs)
            z[0::2] = r * np.cos(theta)
            z[1::2] = r * np.sin(theta)
            out[i:] = z[:n - i]
            if (n - i) % 2:
                self._cached = float(z[-1])
        return out

    def normal_blocks(self, n: int, dtype, mean: float = 0.0, std: float = 1.0) -> np.ndarray:
        """n >= 16 normals for a contiguous destination: Box-Muller on blocks of 16 uniforms
        (the first 8 give radii, the last 8 angles); a ragged tail redoes the last 16 elements
        from fresh uniforms. float64 draws 53-bit uniforms, float32 24-bit ones; narrower floats
        are computed in float32 and, as torch does for them, draw uniforms block by block."""
        dt = np.dtype(dtype)
        wide = dt == np.float64
        ct = np.float64 if wide else np.float32
        full = n // 16 * 16
        if dt in (np.float32, np.float64):
            u = self.uniform(n, dt)
            tail = self.uniform(16, dt) if n % 16 else None
        else:
            u = self.uniform32(full)
            tail = self.uniform32(16) if n % 16 else None
        out = np.empty(n, ct)
        _box_muller16(u[:full].reshape(-1, 16), out[:full].reshape(-1, 16), ct(mean), ct(std))
        if tail is not None:
            _box_muller16(tail.reshape(1, 16), out[n - 16:].reshape(1, 16), ct(mean), ct(std))
        return out

    def scalars(self) -> "_Scalars":
        """A source of single float64 uniforms and normals for per-element samplers (gamma, Poisson,
        binomial) that reads words from a buffer instead of one NumPy call per draw; ``close()``
        leaves the twister exactly as many words on as were used."""
        return _Scalars(self)

    # ---- torch's state bytes ---------------------------------------------------------------------------
    def get_state(self, initial_seed: int) -> np.ndarray:
        """The 5056-byte state torch.get_rng_state() returns for this stream."""
        _, key, pos = self._rs.get_state()[:3]
        buf = bytearray(STATE_BYTES)
        nxt, left = (0, 1) if self._fresh else (pos, _N + 1 - pos)
        buf[0:8] = int(initial_seed).to_bytes(8, "little")
        buf[8:12] = int(left).to_bytes(4, "little", signed=True)
        buf[12:16] = (1).to_bytes(4, "little")
        buf[16:24] = int(nxt).to_bytes(8, "little")
        buf[24:24 + 8 * _N] = key.astype("<u8").tobytes()
        if self._cached is not None:
            buf[5024:5032] = np.float64(self._cached).tobytes()
            buf[5040:5044] = (1).to_bytes(4, "little")
        buf[5044:5056] = self._extra
        return np.frombuffer(bytes(buf), np.uint8).copy()

    def set_state(self, b: bytes) -> int:
        """Restore from torch's state bytes; returns the initial seed they record."""
        left = int.from_bytes(b[8:12], "little", signed=True)
        nxt = int.from_bytes(b[16:24], "little")
        key = np.frombuffer(b[24:24 + 8 * _N], "<u8")
        if left < 1 or left > _N or nxt > _N or int(key.max(initial=0)) >> 32:
            raise RuntimeError("Invalid mt19937 state")
        pos = _N if left == 1 else nxt
        self._bg = np.random.MT19937()
        self._rs = np.random.RandomState(self._bg)
        self._rs.set_state(("MT19937", key.astype(np.uint32), pos))
        self._fresh = left == 1 and nxt == 0
        valid = int.from_bytes(b[5040:5044], "little")
        self._cached = float(np.frombuffer(b[5024:5032], np.float64)[0]) if valid else None
        self._extra = bytes(b[5044:5056])
        return int.from_bytes(b[0:8], "little")

    def numpy_generator(self) -> np.random.Generator:
        """A NumPy generator seeded from this stream, for distributions torch's stream does not
        define here (Poisson, binomial, gamma): reproducible under a seed, not torch's values."""
        return np.random.Generator(np.random.PCG64([int(w) for w in self.u32(4)]))


def fisher_yates(z: np.ndarray) -> np.ndarray:
    """The permutation that swapping position i with i + z[i], for i = 0, 1, ..., leaves in
    range(len(z) + 1), computed without the sequential loop.

    Step i fixes position i. Before step i, position p >= i holds what the last earlier step
    aimed at p put there (that step's own value before it ran), or p itself if none did; so
    every value is found by following "last earlier step aimed here" links back to a step
    nothing aimed at, which pointer doubling does for all steps at once (log n array passes)."""
    n = len(z) + 1
    i = np.arange(n, dtype=np.int64)
    j = np.empty(n, np.int64)
    j[:-1] = i[:-1] + z
    j[-1] = n - 1
    keys = np.sort(j * n + i)  # steps grouped by target, in time order
    aimed = keys // n
    order = keys - aimed * n

    def last_before(target):  # the last step k < i aimed at target, or -1
        pos = np.searchsorted(keys, target * n + i) - 1
        pos0 = np.maximum(pos, 0)
        return np.where((pos >= 0) & (aimed[pos0] == target), order[pos0], -1)

    # value at position i just before step i: follow links back to an untouched start
    link = last_before(i)
    held = np.where(link >= 0, link, i)
    while True:
        nxt = held[held]
        if np.array_equal(nxt, held):
            break
        held = nxt
    prev = last_before(j)
    return np.where(j == i, held, np.where(prev >= 0, held[np.maximum(prev, 0)], j))


def _u53(hi: int, lo: int) -> float:
    """A float64 uniform from two words: 21 bits of the first (high) and all of the second."""
    return (((hi & 0x1FFFFF) << 32) | lo) * 2.0 ** -53


def _box_muller(a: float, b: float) -> tuple:
    """torch's scalar Box-Muller pair from uniforms a (angle) and b (radius): (cos, sin) samples."""
    r = math.sqrt(-2.0 * math.log1p(-b))
    return r * math.cos(_TWO_PI * a), r * math.sin(_TWO_PI * a)


class _Scalars:
    """Buffered one-at-a-time draws (see MTStream.scalars); use as a context manager."""

    __slots__ = ("_mt", "_state", "_words", "_i", "_used")

    def __init__(self, mt: MTStream) -> None:
        self._mt = mt
        self._state = mt._bg.state
        self._words: list = []
        self._i = 0
        self._used = 0

    def __enter__(self) -> "_Scalars":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _word(self) -> int:
        if self._i == len(self._words):
            self._words = self._mt._bg.random_raw(1024).tolist()
            self._i = 0
        w = self._words[self._i]
        self._i += 1
        self._used += 1
        return w

    def uniform(self) -> float:
        """One float64 uniform in [0, 1) (53 bits of two words, first word high)."""
        hi = self._word()
        return _u53(hi, self._word())

    def normal(self) -> float:
        """One float64 standard normal, sharing the stream's kept second Box-Muller sample."""
        mt = self._mt
        if mt._cached is not None:
            z, mt._cached = mt._cached, None
            return z
        z, mt._cached = _box_muller(self.uniform(), self.uniform())
        return z

    def close(self) -> None:
        """Rewind the twister to where these draws started, then step it by the words used."""
        if self._state is None:
            return
        bg = self._mt._bg
        bg.state = self._state
        if self._used:
            self._mt._fresh = False
            done = 0
            while done < self._used:  # in blocks, so a long run does not allocate one huge array
                k = min(self._used - done, 1 << 20)
                bg.random_raw(k)
                done += k
        self._state = None


def _box_muller16(u, out, mean, std):
    """out[:, :8], out[:, 8:] = radius * (cos, sin)(angle) * std + mean for rows of 16 uniforms."""
    ct = out.dtype.type

    def part(lo, hi):
        uu, oo = u[lo:hi], out[lo:hi]
        radius = np.log(ct(1.0) - uu[:, :8])
        radius *= ct(-2.0)
        np.sqrt(radius, out=radius)
        theta = ct(_TWO_PI) * uu[:, 8:]
        np.multiply(radius, np.cos(theta), out=oo[:, :8])
        np.multiply(radius, np.sin(theta, out=theta), out=oo[:, 8:])
        if std != 1:
            oo *= std
        if mean:
            oo += mean
    _parallel(u.shape[0], part, 16)


def _parallel(n, fn, width=1):
    """fn(lo, hi) over range(n) on ember's thread team when the work is large enough to pay."""
    if n * width >= (1 << 19):
        from . import _blas
        _blas.parallel_ranges(n, fn, 1e12, per_thread=1 if n * width < (1 << 22) else 4)
    else:
        fn(0, n)


def fma(a: np.ndarray, b, c) -> np.ndarray:
    """a * b + c rounded once (as a fused multiply-add), for an array a and scalars b, c of a's
    float type: float32 through an exact float64 product; float64 through an error-free product
    (Dekker's split) and sum, exact except in rare double-rounding cases."""
    if a.dtype == np.float32:
        return (a.astype(np.float64) * float(b) + float(c)).astype(np.float32)
    b, c = float(b), float(c)
    p = a * b
    split = 134217729.0  # 2^27 + 1
    ah = a * split
    ah = ah - (ah - a)
    al = a - ah
    bh = b * split
    bh = bh - (bh - b)
    bl = b - bh
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl  # p + e == a * b exactly
    s = p + c
    bb = s - p
    err = (p - (s - bb)) + (c - bb)  # s + err == p + c exactly
    return s + (err + e)


def memory_order(arr: np.ndarray) -> np.ndarray:
    """A view of arr whose C order is the order its elements lie in memory (torch's kernels fill
    tensors that way), for writing a flat sample into a transposed or sliced destination. Arrays
    that are not a dense permutation (expanded, sliced with gaps) keep C order, as torch's
    ``empty_like`` for them is contiguous."""
    if arr.ndim < 2 or arr.flags.c_contiguous:
        return arr
    order = sorted(range(arr.ndim), key=lambda d: -abs(arr.strides[d]))
    expect = arr.itemsize
    for d in reversed(order):  # innermost first: each stride must be the size of what it steps over
        if arr.shape[d] != 1 and abs(arr.strides[d]) != expect:
            return arr if 0 in arr.strides else arr.transpose(order)
        expect *= arr.shape[d]
    return arr.transpose(order)
def fill(dst: np.ndarray, flat: np.ndarray) -> None:
    """Write a flat sample into dst in memory order."""
    view = memory_order(dst)
    view[...] = flat.reshape(view.shape)
