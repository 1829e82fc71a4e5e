"""torch.distributions basics: Normal, Categorical, Bernoulli, Uniform and kl_divergence.

Each distribution broadcasts its parameters to a ``batch_shape``; ``sample`` draws without
gradient, ``rsample`` (where reparameterisable) draws ``loc + scale * eps`` so gradients reach
the parameters; ``log_prob`` and ``entropy`` are differentiable ember expressions.
"""
from __future__ import annotations

import math

__all__ = ["Distribution", "Normal", "Categorical", "Bernoulli", "Uniform", "kl_divergence", "register_kl"]

_validate_default = [True]


def _E():
    import ember
    return ember


def _as_tensor(v, like=None):
    E = _E()
    if isinstance(v, E.Tensor):
        return v
    dt = like.dtype if like is not None and like.dtype.is_floating_point else E.get_default_dtype()
    return E.tensor(float(v), dtype=dt)


def _broadcast(*vals):
    E = _E()
    ref = next((v for v in vals if isinstance(v, E.Tensor)), None)
    ts = [_as_tensor(v, ref) for v in vals]
    if len(ts) > 1:
        ts = list(E.broadcast_tensors(*ts))
    return ts


class Distribution:
    """Base class: batch_shape/event_shape bookkeeping, sample via rsample, argument validation."""

    has_rsample = False
    _param_names: tuple = ()

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        E = _E()
        self._batch_shape = E.Size(batch_shape)
        self._event_shape = E.Size(event_shape)
        self._validate_args = _validate_default[0] if validate_args is None else validate_args

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn argument validation on/off for distributions created afterwards."""
        _validate_default[0] = bool(value)

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return self._event_shape

    def _extended_shape(self, sample_shape=()):
        E = _E()
        return E.Size(tuple(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape))

    def sample(self, sample_shape=()):
        """A sample of shape sample_shape + batch_shape + event_shape (no gradient)."""
        with _E().no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=()):
        raise NotImplementedError(f"{type(self).__name__} does not support rsample")

    def sample_n(self, n):
        return self.sample((n,))

    @property
    def stddev(self):
        return self.variance.sqrt()

    def perplexity(self):
        return self.entropy().exp()

    def _check(self, name, value, ok, constraint):
        if self._validate_args and not bool(ok.all()):
            raise ValueError(f"Expected parameter {name} ({type(value).__name__} of shape {tuple(value.shape)}) "
                             f"of distribution {self!r} to satisfy the constraint {constraint}, but found "
                             f"invalid values:\n{value}")

    def _check_sample(self, value, ok, support):
        if self._validate_args and not bool(ok.all()):
            raise ValueError(f"Expected value argument ({type(value).__name__} of shape {tuple(value.shape)}) to "
                             f"be within the support ({support}) of the distribution {self!r}, but found "
                             f"invalid values:\n{value}")

    def __repr__(self):
        parts = []
        for p in self._param_names:
            v = self.__dict__.get(p)
            if v is None:
                continue
            parts.append(f"{p}: {v.item() if v.numel() == 1 and v.dim() == 0 else v.size()}")
        return f"{type(self).__name__}({', '.join(parts)})"


class Normal(Distribution):
    """Gaussian with mean loc and standard deviation scale."""

    has_rsample = True
    _param_names = ("loc", "scale")

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = _broadcast(loc, scale)
        super().__init__(self.loc.shape, (), validate_args)
        self._check("scale", self.scale, self.scale > 0, "GreaterThan(lower_bound=0.0)")

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def stddev(self):
        return self.scale

    @property
    def variance(self):
        return self.scale.pow(2)

    def rsample(self, sample_shape=()):
        E = _E()
        shape = self._extended_shape(sample_shape)
        eps = E.randn(shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + eps * self.scale

    def log_prob(self, value):
        value = _as_tensor(value, self.loc)
        var = self.scale ** 2
        return -((value - self.loc) ** 2) / (2 * var) - self.scale.log() - math.log(math.sqrt(2 * math.pi))

    def cdf(self, value):
        value = _as_tensor(value, self.loc)
        return 0.5 * (1 + ((value - self.loc) * self.scale.reciprocal() / math.sqrt(2)).erf())

    def icdf(self, value):
        value = _as_tensor(value, self.loc)
        return self.loc + self.scale * (2 * value - 1).erfinv() * math.sqrt(2)

    def entropy(self):
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()


class Uniform(Distribution):
    """Uniform on [low, high)."""

    has_rsample = True
    _param_names = ("low", "high")

    def __init__(self, low, high, validate_args=None):
        self.low, self.high = _broadcast(low, high)
        super().__init__(self.low.shape, (), validate_args)
        self._check("low", self.low, self.low < self.high, "LessThan(upper_bound=high)")

    @property
    def mean(self):
        return (self.high + self.low) / 2

    @property
    def variance(self):
        return (self.high - self.low).pow(2) / 12

    def rsample(self, sample_shape=()):
        E = _E()
        u = E.rand(self._extended_shape(sample_shape), dtype=self.low.dtype, device=self.low.device)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value):
        value = _as_tensor(value, self.low)
        lb = (self.low <= value).to(self.low.dtype)
        ub = (self.high > value).to(self.low.dtype)
        if self._validate_args:
            self._check_sample(value, (lb * ub) > 0,
                               f"Interval(lower_bound={_fmt(self.low)}, upper_bound={_fmt(self.high)})")
        return (lb * ub).log() - (self.high - self.low).log()

    def cdf(self, value):
        value = _as_tensor(value, self.low)
        return ((value - self.low) / (self.high - self.low)).clamp(0, 1)

    def entropy(self):
        return (self.high - self.low).log()


def _fmt(t):
    return t.item() if t.numel() == 1 else t


def _probs_to_logits(p, binary=False):
    E = _E()
    eps = E.finfo(p.dtype).eps
    pc = p.clamp(eps, 1 - eps)
    return (pc.log() - (-pc).log1p()) if binary else pc.log()


class Bernoulli(Distribution):
    """0/1 outcomes with probability probs (or log-odds logits)."""

    _param_names = ("probs", "logits")

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            (self.probs,) = _broadcast(probs)
            shape = self.probs.shape
        else:
            (self.logits,) = _broadcast(logits)
            shape = self.logits.shape
        super().__init__(shape, (), validate_args)
        if probs is not None:
            self._check("probs", self.probs, (self.probs >= 0) & (self.probs <= 1), "Interval(lower_bound=0.0, "
                        "upper_bound=1.0)")

    def __getattr__(self, name):
        if name == "probs":
            v = self.__dict__["logits"].sigmoid()
        elif name == "logits":
            v = _probs_to_logits(self.__dict__["probs"], binary=True)
        else:
            raise AttributeError(name)
        self.__dict__[name] = v
        return v

    @property
    def mean(self):
        return self.probs

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        E = _E()
        with E.no_grad():
            return E.bernoulli(self.probs.expand(self._extended_shape(sample_shape)))

    def log_prob(self, value):
        from ..nn import functional as F
        value = _as_tensor(value, self.logits)
        if self._validate_args:
            self._check_sample(value, (value == 0) | (value == 1), "Boolean()")
        logits, value = _E().broadcast_tensors(self.logits, value)
        return -F.binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self):
        from ..nn import functional as F
        return F.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")


class Categorical(Distribution):
    """One of K categories with probabilities probs (or unnormalised logits) over the last dim."""

    _param_names = ("probs", "logits")

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
            param = self.probs
        else:
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(-1, keepdim=True)
            param = self.logits
        self._num_events = param.shape[-1]
        super().__init__(param.shape[:-1], (), validate_args)
        if probs is not None:
            self._check("probs", probs, (probs >= 0).all(-1) & (probs.sum(-1) > 0), "Simplex()")

    def __getattr__(self, name):
        if name == "probs":
            v = self.__dict__["logits"].softmax(-1)
        elif name == "logits":
            v = _probs_to_logits(self.__dict__["probs"])
        else:
            raise AttributeError(name)
        self.__dict__[name] = v
        return v

    @property
    def param_shape(self):
        return self.__dict__.get("probs", self.__dict__.get("logits")).shape

    @property
    def mean(self):
        E = _E()
        return E.full(self._extended_shape(), math.nan, dtype=self.probs.dtype)

    @property
    def mode(self):
        return self.probs.argmax(-1)

    @property
    def variance(self):
        E = _E()
        return E.full(self._extended_shape(), math.nan, dtype=self.probs.dtype)

    def sample(self, sample_shape=()):
        E = _E()
        sample_shape = tuple(sample_shape)
        n = 1
        for s in sample_shape:
            n *= s
        with E.no_grad():
            p2 = self.probs.reshape(-1, self._num_events)
            idx = E.multinomial(p2, n, True).t()  # (n, batch)
        return idx.reshape(sample_shape + tuple(self._batch_shape))

    def log_prob(self, value):
        E = _E()
        value = value.long() if isinstance(value, E.Tensor) else E.tensor(value)
        if self._validate_args:
            self._check_sample(value, (value >= 0) & (value < self._num_events),
                               f"IntegerInterval(lower_bound=0, upper_bound={self._num_events - 1})")
        value = value.unsqueeze(-1)
        value, log_pmf = E.broadcast_tensors(value, self.logits)
        return log_pmf.gather(-1, value[..., :1]).squeeze(-1)

    def entropy(self):
        E = _E()
        min_real = E.finfo(self.logits.dtype).min
        logits = self.logits.clamp(min=min_real)
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand=True):
        E = _E()
        values = E.arange(self._num_events).reshape((-1,) + (1,) * len(self._batch_shape))
        return values.expand((-1,) + tuple(self._batch_shape)) if expand else values


# ---- KL divergence ------------------------------------------------------------------------------
_KL = {}


def register_kl(type_p, type_q):
    """Decorator registering a KL(p || q) implementation for a pair of distribution types."""
    def deco(fn):
        _KL[(type_p, type_q)] = fn
        return fn
    return deco


def kl_divergence(p, q):
    """KL(p || q) for registered pairs of distributions."""
    for (tp, tq), fn in _KL.items():
        if isinstance(p, tp) and isinstance(q, tq):
            return fn(p, q)
    raise NotImplementedError(f"No KL(p || q) is implemented for p type {type(p).__name__} and q type "
                              f"{type(q).__name__}")


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    var_ratio = (p.scale / q.scale).pow(2)
    t1 = ((p.loc - q.loc) / q.scale).pow(2)
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


@register_kl(Categorical, Categorical)
def _kl_categorical(p, q):
    t = p.probs * (p.logits - q.logits)
    t = _E().where(q.probs == 0, _E().full_like(t, math.inf), t)
    t = _E().where(p.probs == 0, _E().zeros_like(t), t)
    return t.sum(-1)


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli(p, q):
    from ..nn import functional as F
    t1 = p.probs * (F.softplus(-q.logits) - F.softplus(-p.logits))
    t1 = _E().where(q.probs == 0, _E().full_like(t1, math.inf), t1)
    t1 = _E().where(p.probs == 0, _E().zeros_like(t1), t1)
    t2 = (1 - p.probs) * (F.softplus(q.logits) - F.softplus(p.logits))
    t2 = _E().where(q.probs == 1, _E().full_like(t2, math.inf), t2)
    t2 = _E().where(p.probs == 1, _E().zeros_like(t2), t2)
    return t1 + t2


@register_kl(Uniform, Uniform)
def _kl_uniform(p, q):
    result = ((q.high - q.low) / (p.high - p.low)).log()
    bad = (q.low > p.low) | (q.high < p.high)
    return _E().where(bad, _E().full_like(result, math.inf), result)
