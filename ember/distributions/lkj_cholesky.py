"""torch.distributions.LKJCholesky (the onion-method sampler, as NumPyro and torch draw it)."""
from __future__ import annotations

import math

from . import constraints
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["LKJCholesky"]


def _E():
    import ember
    return ember


class LKJCholesky(Distribution):
    """LKJ distribution over lower Cholesky factors of correlation matrices of size ``dim``."""

    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(self, dim: int, concentration=1.0, validate_args=None) -> None:
        E = _E()
        from .beta import Beta
        if dim < 2:
            raise ValueError(f"Expected dim to be an integer greater than or equal to 2. Found dim={dim}.")
        self.dim = dim
        (self.concentration,) = broadcast_all(concentration)
        batch_shape = self.concentration.size()
        event_shape = E.Size((dim, dim))
        marginal = self.concentration + 0.5 * (self.dim - 2)
        offset = E.arange(self.dim - 1, dtype=self.concentration.dtype, device=self.concentration.device)
        offset = E.cat([offset.new_zeros((1,)), offset])
        self._beta = Beta(offset + 0.5, marginal.unsqueeze(-1) - 0.5 * offset)
        super().__init__(batch_shape, event_shape, validate_args)

    def expand(self, batch_shape, _instance=None):
        E = _E()
        new = self._get_checked_instance(LKJCholesky, _instance)
        batch_shape = E.Size(batch_shape)
        new.dim = self.dim
        new.concentration = self.concentration.expand(batch_shape)
        new._beta = self._beta.expand(batch_shape + (self.dim,))
        super(LKJCholesky, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def sample(self, sample_shape=()):
        E = _E()
        y = self._beta.sample(sample_shape).unsqueeze(-1)
        u = E.randn(self._extended_shape(sample_shape), dtype=y.dtype, device=y.device).tril(-1)
        u_sphere = u / u.norm(dim=-1, keepdim=True)
        u_sphere[..., 0, :].fill_(0.0)  # the first row's norm was 0/0
        w = E.sqrt(y) * u_sphere
        tiny = E.finfo(w.dtype).tiny
        diag = E.clamp(1 - E.sum(w ** 2, dim=-1), min=tiny).sqrt()
        w += E.diag_embed(diag)
        return w

    def log_prob(self, value):
        E = _E()
        if self._validate_args:
            self._validate_sample(value)
        diag = value.diagonal(dim1=-1, dim2=-2)[..., 1:]
        order = E.arange(2, self.dim + 1, device=self.concentration.device)
        order = 2 * (self.concentration - 1).unsqueeze(-1) + self.dim - order
        unnormalized = E.sum(order * diag.log(), dim=-1)
        dm1 = self.dim - 1
        alpha = self.concentration + 0.5 * dm1
        normalizer = 0.5 * dm1 * math.log(math.pi) + E.mvlgamma(alpha - 0.5, dm1) - E.lgamma(alpha) * dm1
        return unnormalized - normalizer
