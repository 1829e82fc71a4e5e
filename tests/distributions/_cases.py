"""Distribution instances built the same way in ember and torch (seeded NumPy parameters), shared
by the distribution tests."""
import numpy as np

_rng = np.random.default_rng(0)
B = 3  # batch size of every case


def _pos(lo=0.5, hi=3.0):
    return _rng.uniform(lo, hi, B)


def _spd(n):
    m = _rng.standard_normal((B, n, n))
    return m @ np.swapaxes(m, -1, -2) + np.eye(n)


# name -> (constructor name, args (arrays or scalars), kwargs)
PARAMS = {
    "Bernoulli": ("Bernoulli", (), {"probs": _rng.uniform(0.1, 0.9, B)}),
    "Beta": ("Beta", (_pos(), _pos()), {}),
    "Binomial": ("Binomial", (np.array([10.0, 20.0, 30.0]), _rng.uniform(0.1, 0.9, B)), {}),
    "Categorical": ("Categorical", (_rng.dirichlet(np.ones(4), B),), {}),
    "Cauchy": ("Cauchy", (_rng.standard_normal(B), _pos()), {}),
    "ContinuousBernoulli": ("ContinuousBernoulli", (np.array([0.2, 0.5, 0.8]),), {}),
    "Dirichlet": ("Dirichlet", (_rng.uniform(0.5, 3.0, (B, 4)),), {}),
    "Exponential": ("Exponential", (_pos(),), {}),
    "Gamma": ("Gamma", (_pos(), _pos()), {}),
    "Geometric": ("Geometric", (_rng.uniform(0.1, 0.9, B),), {}),
    "Gumbel": ("Gumbel", (_rng.standard_normal(B), _pos()), {}),
    "HalfNormal": ("HalfNormal", (_pos(),), {}),
    "Laplace": ("Laplace", (_rng.standard_normal(B), _pos()), {}),
    "LowRankMultivariateNormal": ("LowRankMultivariateNormal", (_rng.standard_normal((B, 3)),
                                                                _rng.standard_normal((B, 3, 2)),
                                                                _rng.uniform(0.5, 2.0, (B, 3))), {}),
    "MultivariateNormal": ("MultivariateNormal", (_rng.standard_normal((B, 3)), _spd(3)), {}),
    "Normal": ("Normal", (_rng.standard_normal(B), _pos()), {}),
    "OneHotCategorical": ("OneHotCategorical", (_rng.dirichlet(np.ones(4), B),), {}),
    "Pareto": ("Pareto", (_pos(0.5, 1.0), np.array([0.7, 1.5, 3.0])), {}),
    "Poisson": ("Poisson", (_pos(0.5, 5.0),), {}),
    "Uniform": ("Uniform", (np.array([0.1, -1.0, 0.5]), np.array([0.6, 2.0, 3.0])), {}),
}

# a second parameter draw for q
PARAMS_Q = {k: (v[0], tuple(np.asarray(a) * 1.3 if isinstance(a, np.ndarray) and k not in (
    "Bernoulli", "Categorical", "OneHotCategorical", "Geometric", "ContinuousBernoulli", "Binomial", "Dirichlet",
    "MultivariateNormal") else a for a in v[1]), v[2]) for k, v in PARAMS.items()}
PARAMS_Q["Uniform"] = ("Uniform", (np.array([-0.5, -2.0, 0.0]), np.array([1.0, 2.5, 4.0])), {})
PARAMS_Q["Binomial"] = ("Binomial", (np.array([10.0, 20.0, 30.0]), np.array([0.3, 0.5, 0.7])), {})


def build(lib, spec):
    """The distribution ``spec`` in library ``lib`` (ember or torch), float64 parameters."""
    name, args, kwargs = spec
    cls = getattr(lib.distributions, name)
    conv = lambda a: lib.tensor(a, dtype=lib.float64) if isinstance(a, np.ndarray) else a  # noqa: E731
    return cls(*[conv(a) for a in args], **{k: conv(v) for k, v in kwargs.items()})
