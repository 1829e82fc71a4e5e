"""Random sampling: rand/randn/randint/randperm/normal/bernoulli/multinomial/poisson and the
in-place samplers (uniform_, normal_, random_, exponential_, ...), all drawing from a Generator.

Samples are drawn on the generator's device with its array module; float32 is drawn in float32
directly (NumPy supports it for uniform, normal and exponential), half types are drawn in float32
and then snapped to their own grid so that a [0, 1) draw never rounds up to 1.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype as D
from .. import _random as R
from .. import _random_mt as _mt
from .._device import to_device
from .._tensor import Tensor, _wrap, register_methods
from ..autograd.grad_mode import state as _gs
from ._function import Function, xp
from ._inplace import check_inplace, write_result
from .creation import _finish, _out, _size_args

_MANTISSA = {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}
_C_NAME = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char", "int16": "short",
           "int32": "int", "int64": "long int", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
           "float32": "float", "float64": "double"}


def _word(dt):
    from .pointwise import _type_word
    return _type_word(dt)


def _gen(generator, device):
    """The generator to draw from: the given one (its device must match) or the device default."""
    dev = to_device(device)
    if generator is None:
        return R.default_generator_for(dev)
    if not isinstance(generator, R.Generator):
        raise TypeError(f"generator must be a torch.Generator, not {type(generator).__name__}")
    if generator.device.type != dev.type:
        raise RuntimeError(f"Expected a '{dev.type}' device type for generator but found "
                           f"'{generator.device.type}'")
    return generator


def _require_float(dt, kernel):
    if not (dt.is_floating_point or dt.is_complex):
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_word(dt)}'")


# ---- raw draws: arrays of a given numpy dtype ---------------------------------------------------
# On the CPU every draw comes from the generator's torch-compatible stream (``_random_mt``), in the
# memory order of the destination; CUDA generators draw with CuPy (distributions right, values not
# torch's).
def _snap(u, name):
    """Put float32 uniforms on the grid of a narrower float so the cast cannot round up to 1."""
    k = float(1 << _MANTISSA[name])
    m = xp(u)
    return m.floor(u * k) / k


def _arrange(flat, like):
    """flat (in memory order of the array ``like``) as an array of like's shape, for writing."""
    order = _mt.memory_order(like)
    if order is like:
        return flat.reshape(like.shape)
    axes = [0] * like.ndim
    perm = sorted(range(like.ndim), key=lambda d: -abs(like.strides[d]))
    for i, d in enumerate(perm):
        axes[d] = i
    return flat.reshape(order.shape).transpose(axes)


def _uniform(g, shape, dt, lo=0.0, hi=1.0):
    """Uniform samples from [lo, hi) in dt (C order), computed as torch computes them."""
    if dt.is_complex:
        return _pair_complex(_uniform(g, shape + (2,), dt.to_real(), lo, hi), dt)
    if g._device.type == "cpu":
        n = math.prod(shape)
        u = g._mt.uniform(n, dt.np, lo, hi).astype(dt.np, copy=False)
        if lo != 0 or hi != 1 or dt.name not in ("float32", "float64"):
            top = u == dt.np.type(hi)
            if top.any():  # rounded up to the open end: torch returns the start instead
                u[top] = dt.np.type(lo)
        return u.reshape(shape)
    s = g._sampler()
    if dt.name in ("float32", "float64"):
        u = s.random(shape, dtype=dt.np)
    else:
        u = _snap(s.random(shape, dtype=np.float32), dt.name).astype(dt.np)
    if lo != 0 or hi != 1:
        u = (u * u.dtype.type(hi - lo) + u.dtype.type(lo)).astype(dt.np, copy=False)
    return u


def _normal(g, shape, dt, mean=0.0, std=1.0, contiguous=True):
    """Normal samples in dt (C order); on the CPU torch's block transform for contiguous outputs
    of 16+ elements, its one-at-a-time pairs otherwise."""
    if dt.is_complex:  # real and imaginary parts each get variance std^2 / 2 (and the mean)
        return _pair_complex(_normal(g, shape + (2,), dt.to_real(), mean, std * math.sqrt(0.5),
                                     contiguous), dt)
    if g._device.type == "cpu":
        n = math.prod(shape)
        if contiguous and n >= 16:
            z = g._mt.normal_blocks(n, dt.np, mean, std)
        else:
            z = g._mt.normal_scalar(n)
            if std != 1:
                z *= std
            if mean:
                z += mean
        return z.astype(dt.np, copy=False).reshape(shape)
    s = g._sampler()
    z = s.standard_normal(shape, dtype=dt.np if dt.name in ("float32", "float64") else np.float32)
    if std != 1 or mean:
        z = z * z.dtype.type(std) + z.dtype.type(mean)
    return z.astype(dt.np, copy=False)


def _bits_uniform(g, shape, dt):
    """Uniforms for comparisons against probabilities of dtype dt (bernoulli with tensor p)."""
    return _uniform(g, shape, D.float64 if dt is D.float64 else D.float32)


def _pair_complex(a, dt):
    a = a.astype(dt.to_real().np)
    return (a[..., 0] + 1j * a[..., 1]).astype(dt.np)


def _integers(g, low, high, shape, dt):
    """Integers in [low, high) cast to dt."""
    if g._device.type == "cpu":
        return g._mt.integers(math.prod(shape), low, high).reshape(shape).astype(dt.np)
    s = g._sampler()
    r = s.integers(low, high, size=shape, dtype=np.int64) if high - 1 <= np.iinfo(np.int64).max \
        else s.integers(low, high - 1, size=shape, dtype=np.uint64, endpoint=True)
    return r.astype(dt.np)


def _full_range(dt):
    """random_()'s default range [lo, hi) for a dtype."""
    if dt.is_floating_point:
        return 0, (1 << _MANTISSA[dt.name]) + 1
    if dt is D.bool_:
        return 0, 2
    info = np.iinfo(dt.np)
    return 0, int(info.max) + 1


def _check_bounds(dt, lo, hi):
    if lo >= hi:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={lo} >= to={hi}")
    if dt.is_floating_point or dt.is_complex:
        return
    info = (0, 1) if dt is D.bool_ else (int(np.iinfo(dt.np).min), int(np.iinfo(dt.np).max))
    name = _C_NAME.get(dt.name, dt.name)
    if not info[0] <= lo <= info[1]:
        raise RuntimeError(f"from is out of bounds for {name}")
    if not info[0] <= hi - 1 <= info[1]:
        raise RuntimeError(f"to - 1 is out of bounds for {name}")


# ---- autograd: samples have zero gradient with respect to their parameters ----------------------
class _Sampled(Function):
    """Returns a precomputed sample; the gradient to every tensor input is zero (as torch)."""

    @staticmethod
    def forward(ctx, *arrays, sample=None, label="Sample"):
        ctx.label = label
        return sample

    @staticmethod
    def backward(ctx, g):
        return tuple(g.new_zeros(shape).to(D.from_np(dt)) if D.from_np(dt).is_floating_point
                     else None for shape, dt in ctx._input_meta) if len(ctx._input_meta) > 1 \
            else g.new_zeros(ctx._input_meta[0][0])

    def name(self):
        return self.__dict__.get("label", "Sample") + "Backward0"


def _result(sample, inputs=(), label="Sample"):
    if inputs and _gs.grad_enabled and any(t._rg for t in inputs):
        return _Sampled.apply(*inputs, sample=sample, label=label)
    return _wrap(sample)


def _write(self, sample, label, params=()):
    """Write a sample into self in place (respecting the in-place rules); returns self."""
    needs = _gs.grad_enabled and (self._rg or any(p._rg for p in params))
    check_inplace(self, needs)
    if needs:
        from ._inplace import _shadow
        r = _Sampled.apply(_shadow(self), *params, sample=sample, label=label)
        return write_result(self, r, True, allow_cast=True)
    if not self._data.flags.writeable:
        raise RuntimeError("unsupported operation: more than one element of the written-to tensor "
                           "refers to a single memory location. Please clone() the tensor before "
                           "performing the operation.")
    self._data[...] = sample
    self._bump_version()
    return self


# ---- factories ----------------------------------------------------------------------------------
def _grad_ok(dt, requires_grad):
    if requires_grad and not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")


def _factory(size, kw, dtype, device, requires_grad, fill, kernel, out=None):
    if "size" in kw:
        size = (kw.pop("size"),)
    if kw:
        raise TypeError(f"got an unexpected keyword argument '{next(iter(kw))}'")
    shape = _size_args(size)
    if out is not None:
        dtype = dtype or out.dtype
        device = device if device is not None else out.device
    dt = dtype or D.get_default_dtype()
    _require_float(dt, kernel)
    return _out(_finish(fill(shape, dt), requires_grad), out)


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False, **kw) -> Tensor:
    """Uniform samples from [0, 1)."""
    g = _gen(generator, device if out is None or device is not None else out.device)
    return _factory(size, kw, dtype, device, requires_grad,
                    lambda s, dt: _uniform(g, s, dt), "check_uniform_bounds", out)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, **kw) -> Tensor:
    """Standard normal samples."""
    g = _gen(generator, device if out is None or device is not None else out.device)
    return _factory(size, kw, dtype, device, requires_grad,
                    lambda s, dt: _normal(g, s, dt), "normal_kernel_cpu", out)


def _like_kw(input, dtype, device):
    return dtype or input.dtype, device if device is not None else input.device


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None,
              generator=None) -> Tensor:
    """rand() with input's shape, dtype and device."""
    dt, dev = _like_kw(input, dtype, device)
    return rand(input.shape, dtype=dt, device=dev, requires_grad=requires_grad, generator=generator)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None,
               generator=None) -> Tensor:
    """randn() with input's shape, dtype and device."""
    dt, dev = _like_kw(input, dtype, device)
    return randn(input.shape, dtype=dt, device=dev, requires_grad=requires_grad, generator=generator)


def _int_arg(v, name):
    if isinstance(v, Tensor):
        v = v.item()
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
        raise TypeError(f"randint(): argument '{name}' must be int, not {type(v).__name__}")
    return int(v)


def randint(*args, size=None, low=None, high=None, generator=None, out=None, dtype=None, layout=None,
            device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """Integers uniform in [low, high): randint(high, size) or randint(low, high, size)."""
    args = list(args)
    if size is None:
        if not args:
            raise TypeError("randint() missing required argument 'size'")
        size = args.pop()
        if isinstance(size, (int, np.integer)):
            raise TypeError(f"randint(): argument 'size' (position {len(args) + 1}) must be tuple of "
                            "ints, not int")
    if len(args) == 2:
        low, high = args
    elif len(args) == 1:
        if high is None:
            high = args[0]
        else:
            low = args[0]
    if high is None:
        raise TypeError("randint() missing required argument 'high'")
    low = 0 if low is None else _int_arg(low, "low")
    high = _int_arg(high, "high")
    dt = dtype or D.int64
    _grad_ok(dt, requires_grad)
    _check_bounds(dt, low, high)
    dev = device if device is not None else (out.device if out is not None else None)
    g = _gen(generator, dev)
    shape = _size_args((size,) if isinstance(size, (tuple, list)) else tuple(size))
    return _out(_finish(_integers(g, low, high, shape, dt), requires_grad), out)


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None, requires_grad=False,
                 memory_format=None, generator=None) -> Tensor:
    """randint() with input's shape, dtype and device (randint_like(x, high) or (x, low, high))."""
    if high is None:
        low, high = 0, low
    dt, dev = _like_kw(input, dtype, device)
    return randint(low, high, tuple(input.shape), dtype=dt, device=dev, requires_grad=requires_grad,
                   generator=generator)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
             pin_memory=False) -> Tensor:
    """A random permutation of 0..n-1 (int64 by default)."""
    n = int(n)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    dt = dtype or D.int64
    _grad_ok(dt, requires_grad)
    g = _gen(generator, device)
    perm = (g._mt.permutation(n) if g._device.type == "cpu" else g._sampler().permutation(n)).astype(dt.np)
    return _out(_finish(perm, requires_grad), out)


def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           requires_grad=False, pin_memory=False) -> Tensor:
    """Normal samples: normal(mean, std) with tensor and/or float arguments, or (float, float, size)."""
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mt and not st:
        if size is None:
            raise TypeError(
                "normal() received an invalid combination of arguments - got (float, float), but "
                "expected one of:\n"
                " * (Tensor mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)\n"
                " * (Tensor mean, float std = 1, *, torch.Generator generator = None, Tensor out = None)\n"
                " * (float mean, Tensor std, *, torch.Generator generator = None, Tensor out = None)\n"
                " * (float mean, float std, tuple of ints size, *, torch.Generator generator = None, "
                "Tensor out = None, torch.dtype dtype = None, torch.layout layout = None, torch.device "
                "device = None, bool pin_memory = False, bool requires_grad = False)\n")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
        dt = dtype or D.get_default_dtype()
        _require_float(dt, "normal_kernel_cpu")
        g = _gen(generator, device)
        r = _finish(_normal(g, _size_args((size,) if isinstance(size, int) else (tuple(size),)), dt,
                            mean, std), requires_grad)
        return _out(r, out)
    ref = mean if mt else std
    dt = ref.dtype if not (mt and st) else D.promote_types(mean.dtype, std.dtype)
    _require_float(dt, "normal_kernel_cpu")
    m = xp(ref._data)
    md = mean._data if mt else mean
    sd = std._data if st else std
    if st:
        if bool((std._data < 0).any()):
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    if mt and st:
        try:
            shape = np.broadcast_shapes(mean.shape, std.shape)
        except ValueError:
            from ._binary import broadcast_error
            raise broadcast_error(mean.shape, std.shape) from None
    else:
        shape = tuple(ref.shape)
    g = _gen(generator, ref.device)
    z = _normal(g, tuple(shape), dt)
    sample = (z * m.asarray(sd, dtype=dt.np) + m.asarray(md, dtype=dt.np)).astype(dt.np, copy=False)
    inputs = tuple(t for t in (mean, std) if isinstance(t, Tensor))
    return _out(_result(sample, inputs, "Normal"), out)


def bernoulli(input, p=None, *, generator=None, out=None) -> Tensor:
    """0/1 samples with probabilities input (or the float p), in input's dtype."""
    dt = input.dtype
    g = _gen(generator, input.device)
    if p is not None:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        u = _arrange(_uniform(g, (input.numel(),), D.float64), input._data)
        return _out(_result((u < p).astype(dt.np), (input,), "Bernoulli"), out)
    if not dt.is_floating_point:
        raise NotImplementedError(f"\"bernoulli_tensor_cpu_p_\" not implemented for '{_word(dt)}'")
    pd = input._data
    if bool(((pd < 0) | (pd > 1) | (pd != pd)).any()):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this "
                           "error message be improved?  If so, please report an enhancement request "
                           "to PyTorch.)")
    u = _arrange(_bits_uniform(g, (input.numel(),), dt), pd)
    return _out(_result((u < pd).astype(dt.np), (input,), "Bernoulli"), out)


def poisson(input, generator=None) -> Tensor:
    """Poisson samples with rates input (same dtype)."""
    dt = input.dtype
    if not dt.is_floating_point:
        raise NotImplementedError(f"\"poisson_cpu\" not implemented for '{_word(dt)}'")
    if bool((input._data < 0).any()):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    g = _gen(generator, input.device)
    lam = input._data.astype(np.float64)
    if g._device.type == "cpu":  # torch's own algorithm, draw for draw
        from .random_gamma import poisson_cpu
        sample = poisson_cpu(g, lam).astype(dt.np)
    else:
        sample = g._sampler().poisson(lam, size=lam.shape).astype(dt.np)
    return _result(sample, (input,), "Poisson")


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None) -> Tensor:
    """Indices sampled from the rows of input (unnormalised probabilities)."""
    dt = input.dtype
    if input.dim() not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not dt.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {_word(dt)}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    k = input.shape[-1]
    if not replacement and num_samples > k:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    p = input._data.astype(np.float64).reshape(-1, k)
    m = xp(p)
    if bool((~m.isfinite(p) | (p < 0)).any()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    tot = p.sum(axis=-1, keepdims=True)
    if bool((tot <= 0).any()):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    g = _gen(generator, input.device)
    if replacement and num_samples > 1:  # torch draws one sample by the exponential race too
        cdf = m.cumsum(p / tot, axis=-1)
        cdf[:, -1] = 1.0
        u = _uniform(g, (p.shape[0], num_samples), D.float64)
        # index of the first cdf entry at or above u, row by row, as a vectorised comparison count
        idx = (cdf[:, None, :] < u[:, :, None]).sum(axis=-1)
        idx = m.minimum(idx, k - 1)
    else:
        # exponential race: p_i / E_i is largest for the first draw, then the next, ... (no replacement)
        rdt = D.float64 if dt is D.float64 else D.float32
        e = _exponential(g, p.shape, rdt, 1.0)
        keys = input._data.reshape(p.shape).astype(rdt.np) / e
        idx = m.argsort(-keys, axis=-1, kind="stable")[:, :num_samples]
    idx = idx.astype(np.int64)
    if input.dim() == 1:
        idx = idx.reshape(num_samples)
    return _out(_wrap(idx), out)


# ---- in-place samplers (Tensor methods) ---------------------------------------------------------
def uniform_(self, from_=0.0, to=1.0, *, generator=None, **kw) -> Tensor:
    """Fill with uniform samples from [from, to)."""
    from_ = kw.pop("from", from_)
    dt = self.dtype
    _require_float(dt, "check_uniform_bounds")
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={from_:g} > "
                           f"to={to:g}")
    u = _uniform(_gen(generator, self.device), (self.numel(),), dt, from_, to)
    return _write(self, _arrange(u, self._data), "Uniform")


def normal_(self, mean=0.0, std=1.0, *, generator=None) -> Tensor:
    """Fill with normal samples."""
    dt = self.dtype
    _require_float(dt, "normal_kernel_cpu")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    z = _normal(_gen(generator, self.device), (self.numel(),), dt, mean, std, self.is_contiguous())
    return _write(self, _arrange(z, self._data), "Normal")


def random_(self, *args, generator=None, **kw) -> Tensor:
    """Fill with integers: random_() the dtype's range, random_(to) [0, to), random_(from, to) [from, to)."""
    dt = self.dtype
    two = len(args) == 2 or "from" in kw or ("to" in kw and args)
    if two:
        lo = kw.pop("from", args[0] if args else 0)
        hi = kw.pop("to", args[1] if len(args) > 1 else None)
    elif args or "to" in kw:
        lo, hi = 0, args[0] if args else kw["to"]
    else:
        lo, hi = _full_range(dt)
    lo = int(lo)
    hi = int(hi) if hi is not None else _full_range(dt)[1]
    _check_bounds(dt, lo, hi)
    sample = _integers(_gen(generator, self.device), lo, hi, (self.numel(),), dt)
    return _write(self, _arrange(sample, self._data), "Random")


def _continuous(dt, what, word):
    if not dt.is_floating_point:
        raise RuntimeError(f"{what} distribution is a continuous probability distribution. dtype must "
                           f"be a floating point but you specified {word(dt)}")


def exponential_(self, lambd=1.0, *, generator=None) -> Tensor:
    """Fill with exponential samples of rate lambd."""
    dt = self.dtype
    _continuous(dt, "Exponential", _word)
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}")
    e = _exponential(_gen(generator, self.device), (self.numel(),), dt, lambd)
    return _write(self, _arrange(e, self._data), "Exponential")


def _exponential(g, shape, dt, lambd):
    """Exponential samples of rate lambd: -log1p(-u) / lambd from float64 uniforms, as torch."""
    if g._device.type == "cpu":
        u = g._mt.uniform64(math.prod(shape))
        return (-1.0 / lambd * np.log1p(-u)).astype(dt.np).reshape(shape)
    draw_dt = dt.np if dt.name in ("float32", "float64") else np.float32
    e = g._sampler().standard_exponential(shape, dtype=draw_dt)
    return (e / np.dtype(draw_dt).type(lambd) if lambd != 1 else e).astype(dt.np, copy=False)


def geometric_(self, p, *, generator=None) -> Tensor:
    """Fill with geometric samples (number of trials to the first success, >= 1)."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p:g}")
    g = _gen(generator, self.device)
    if g._device.type == "cpu":  # trials to the first success, by inversion (torch's formula)
        u = g._mt.uniform64(self.numel())
        sample = _arrange(np.ceil(np.log(u) / math.log1p(-p)), self._data)
    else:
        sample = g._sampler().geometric(p, size=tuple(self.shape))
    return _write(self, sample.astype(self.dtype.np), "Geometric")


def log_normal_(self, mean=1.0, std=2.0, *, generator=None) -> Tensor:
    """Fill with exp(N(mean, std)) samples."""
    dt = self.dtype
    if not dt.is_floating_point:
        raise NotImplementedError(f"\"log_normal_cpu\" not implemented for '{_word(dt)}'")
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std:g}")
    z = _normal(_gen(generator, self.device), (self.numel(),), D.float64, mean, std, contiguous=False)
    return _write(self, _arrange(xp(z).exp(z).astype(dt.np), self._data), "LogNormal")


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None) -> Tensor:
    """Fill with Cauchy samples."""
    dt = self.dtype
    _continuous(dt, "Cauchy", lambda d: _C_NAME.get(d.name, d.name))
    u = _uniform(_gen(generator, self.device), (self.numel(),), D.float64)
    c = median + sigma * xp(u).tan(math.pi * (u - 0.5))
    return _write(self, _arrange(c.astype(dt.np), self._data), "Cauchy")


def bernoulli_(self, p=0.5, *, generator=None) -> Tensor:
    """Fill with 0/1 samples of probability p (a float or a broadcastable tensor)."""
    g = _gen(generator, self.device)
    if isinstance(p, Tensor):
        pd = p._data
        if bool(((pd < 0) | (pd > 1)).any()):
            raise RuntimeError("bernoulli_ expects p to be in [0, 1], but got p=" + str(p))
        u = _arrange(_bits_uniform(g, (self.numel(),), p.dtype), self._data)
        return _write(self, (u < pd).astype(self.dtype.np), "Bernoulli")
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    u = _arrange(_uniform(g, (self.numel(),), D.float64), self._data)
    return _write(self, (u < p).astype(self.dtype.np), "Bernoulli")


register_methods({
    "uniform_": uniform_, "normal_": normal_, "random_": random_, "exponential_": exponential_,
    "geometric_": geometric_, "log_normal_": log_normal_, "cauchy_": cauchy_,
    "bernoulli_": bernoulli_, "bernoulli": bernoulli, "multinomial": multinomial,
})

__all__ = ["rand", "randn", "randint", "randperm", "rand_like", "randn_like", "randint_like", "normal",
           "bernoulli", "multinomial", "poisson"]
