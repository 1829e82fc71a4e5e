"""ember.distributions: torch.distributions — parameterizable probability distributions with
sampling (reparameterized where torch's are), log_prob, cdf/icdf, entropy, KL divergences,
constraints and bijective transforms. Seeded CPU samples draw from torch's random stream, so
they equal torch's where torch's sampler is reproduced (see each distribution's sample)."""
from . import constraints
from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .kl import kl_divergence, register_kl
from .normal import Normal
from .uniform import Uniform
from . import _kl_pairs  # noqa: F401  (registers the KL formulas)

__all__ = ["Bernoulli", "Categorical", "Distribution", "ExponentialFamily", "Normal", "Uniform", "constraints",
           "kl_divergence", "register_kl"]
