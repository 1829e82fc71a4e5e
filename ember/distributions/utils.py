"""torch.distributions.utils: argument broadcasting, probability/logit conversions, lazy
properties and triangular-matrix packing shared by the distributions."""
from __future__ import annotations

import numbers
from functools import update_wrapper

__all__ = ["broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs", "probs_to_logits",
           "tril_matrix_to_vec", "vec_to_tril_matrix", "euler_constant"]

euler_constant = 0.57721566490153286060  # Euler–Mascheroni constant


def _E():
    import ember
    return ember


def broadcast_all(*values):
    """Broadcast tensors and numbers to one shape; numbers become tensors of the first tensor's
    dtype and device (or the default dtype)."""
    E = _E()
    if not all(isinstance(v, (E.Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of numbers.Number, torch.Tensor or "
                         "objects implementing __torch_function__.")
    if not all(isinstance(v, E.Tensor) for v in values):
        options = {"dtype": E.get_default_dtype()}
        for value in values:
            if isinstance(value, E.Tensor):
                options = {"dtype": value.dtype, "device": value.device}
                break
        values = [v if isinstance(v, E.Tensor) else E.tensor(v, **options) for v in values]
    return E.broadcast_tensors(*values)


def _standard_normal(shape, dtype, device):
    """Standard normal draws of a shape (drawn as torch.normal(zeros, ones) draws them)."""
    E = _E()
    return E.normal(E.zeros(shape, dtype=dtype, device=device), E.ones(shape, dtype=dtype, device=device))


def _sum_rightmost(value, dim: int):
    """Sum out the rightmost dim dimensions."""
    if dim == 0:
        return value
    required_shape = tuple(value.shape[:value.dim() - dim]) + (-1,)
    return value.reshape(required_shape).sum(-1)


def logits_to_probs(logits, is_binary: bool = False):
    """Probabilities from logits: sigmoid when binary, else softmax over the last dim."""
    if is_binary:
        return logits.sigmoid()
    return logits.softmax(-1)


def clamp_probs(probs):
    """Clamp probabilities into the open interval (0, 1) (by the dtype's eps)."""
    eps = _E().finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary: bool = False):
    """Logits from probabilities (log-odds when binary)."""
    ps_clamped = clamp_probs(probs)
    if is_binary:
        return ps_clamped.log() - (-ps_clamped).log1p()
    return ps_clamped.log()


class lazy_property:
    """A property computed once per instance on first access (with gradient recording on) and
    then stored as a plain attribute."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        update_wrapper(self, wrapped)

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return _lazy_property_and_property(self.wrapped)
        with _E().enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class _lazy_property_and_property(lazy_property, property):
    """What a lazy_property looks like on the class: both kinds of property (for docs tools)."""

    def __init__(self, wrapped):
        property.__init__(self, wrapped)


def tril_matrix_to_vec(mat, diag: int = 0):
    """The lower triangle (from diagonal ``diag``) of the last two dims, row by row, as a vector."""
    E = _E()
    n = mat.shape[-1]
    if not E.jit.is_scripting() and (diag < -n or diag >= n):
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    arange = E.arange(n, device=mat.device)
    tril_mask = arange < arange.view(-1, 1) + (diag + 1)
    return mat[..., tril_mask]


def vec_to_tril_matrix(vec, diag: int = 0):
    """Inverse of tril_matrix_to_vec: a square lower-triangular matrix from its packed vector."""
    E = _E()
    n = (-(1 + 2 * diag) + ((1 + 2 * diag) ** 2 + 8 * vec.shape[-1] + 4 * abs(diag) * (diag + 1)) ** 0.5) / 2
    eps = E.finfo(vec.dtype).eps
    if round(n) - n > eps:
        raise ValueError(f"The size of last dimension is {vec.shape[-1]} which cannot be expressed as "
                         "the lower triangular part of a square D x D matrix.")
    n = round(n)
    mat = vec.new_zeros(tuple(vec.shape[:-1]) + (n, n))
    arange = E.arange(n, device=vec.device)
    tril_mask = arange < arange.view(-1, 1) + (diag + 1)
    mat[..., tril_mask] = vec
    return mat


class _BinaryProbsLogits:
    """Mixin for distributions given by ``probs`` or ``logits`` of a binary event (the other one
    computed on first use), holding the given one as ``_param``."""

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self):
        return self._param.size()

    def _new(self, *args, **kwargs):
        return self._param.new(*args, **kwargs)

    def _expand_param(self, new, batch_shape) -> None:
        """Give ``new`` this distribution's given parameter(s), expanded to batch_shape."""
        for name in ("probs", "logits"):
            if name in self.__dict__:
                setattr(new, name, getattr(self, name).expand(batch_shape))
                new._param = getattr(new, name)
