"""KL(p || q) for the pairs of distributions torch registers, as ``register_kl`` functions.

Most cross-family formulas use KL(p || q) = -H(p) - E_p[log q(X)], with the expectations of
log q written through p's moments (E[X], E[X^2], E[log X], E[exp(-X / b)], ...). Where q's
support does not cover p's, the divergence is infinite (a tensor of inf over the batch).
"""
from __future__ import annotations

import math

from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical
from .cauchy import Cauchy
from .continuous_bernoulli import ContinuousBernoulli
from .dirichlet import Dirichlet
from .exp_family import ExponentialFamily
from .exponential import Exponential
from .gamma import Gamma
from .geometric import Geometric
from .gumbel import Gumbel
from .half_normal import HalfNormal
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .lowrank_multivariate_normal import LowRankMultivariateNormal
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .one_hot_categorical import OneHotCategorical
from .pareto import Pareto
from .poisson import Poisson
from .transformed_distribution import TransformedDistribution
from .uniform import Uniform
from .utils import _sum_rightmost, euler_constant

_EULER = euler_constant


def _E():
    import ember
    return ember


def _inf_like(t):
    return _E().full_like(t, math.inf)


def _infinite(p, q):
    """A divergence that is infinite over the whole batch (q misses part of p's support)."""
    return _inf_like(p.mean)


def _where_inf(mask, value):
    E = _E()
    return E.where(mask, _inf_like(value), value)


def _x_log_x(t):
    return _E().xlogy(t, t)  # 0 log 0 = 0


# ---- log q(x) expectations for each q family, given p's moments -----------------------------------
def _e_log_normal(q, mean, second):
    """E_p[log q(X)] for q = Normal, from E[X] and E[X^2]."""
    var = q.scale.pow(2)
    return -0.5 * math.log(2 * math.pi) - q.scale.log() - (second - 2 * q.loc * mean + q.loc.pow(2)) / (2 * var)


def _e_log_exponential(q, mean):
    return q.rate.log() - q.rate * mean


def _e_log_gamma(q, mean, mean_log):
    return (q.concentration * q.rate.log() - q.concentration.lgamma() + (q.concentration - 1) * mean_log
            - q.rate * mean)


def _e_log_gumbel(q, mean, mgf_neg_inv_scale):
    """E_p[log q(X)] for q = Gumbel(mu, b): -log b - E[(X - mu)/b] - e^{mu/b} E[e^{-X/b}]."""
    return -q.scale.log() - (mean - q.loc) / q.scale - (q.loc / q.scale).exp() * mgf_neg_inv_scale


def _e_log_beta(q, mean_log, mean_log1m):
    E = _E()
    lbeta = E.lgamma(q.concentration1) + E.lgamma(q.concentration0) - E.lgamma(q.concentration1 + q.concentration0)
    return (q.concentration1 - 1) * mean_log + (q.concentration0 - 1) * mean_log1m - lbeta


def _e_log_cont_bernoulli(q, mean):
    return q._cont_bern_log_norm() + mean * q.probs.log() + (1 - mean) * (-q.probs).log1p()


def _e_log_pareto(q, mean_log):
    return q.alpha.log() + q.alpha * q.scale.log() - (q.alpha + 1) * mean_log


def _e_log_laplace(q, mean_abs_dev):
    return -(2 * q.scale).log() - mean_abs_dev / q.scale


# ---- same-family pairs ------------------------------------------------------------------------------
@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    from ..nn import functional as F
    E = _E()
    t1 = p.probs * (F.softplus(-q.logits) - F.softplus(-p.logits))
    t1 = E.where(q.probs == 0, _inf_like(t1), t1)
    t1 = E.where(p.probs == 0, E.zeros_like(t1), t1)
    t2 = (1 - p.probs) * (F.softplus(q.logits) - F.softplus(p.logits))
    t2 = E.where(q.probs == 1, _inf_like(t2), t2)
    t2 = E.where(p.probs == 1, E.zeros_like(t2), t2)
    return t1 + t2


@register_kl(Beta, Beta)
def _kl_beta_beta(p, q):
    E = _E()
    sum_p = p.concentration1 + p.concentration0
    sum_q = q.concentration1 + q.concentration0
    t1 = q.concentration1.lgamma() + q.concentration0.lgamma() + sum_p.lgamma()
    t2 = p.concentration1.lgamma() + p.concentration0.lgamma() + sum_q.lgamma()
    t3 = (p.concentration1 - q.concentration1) * E.digamma(p.concentration1)
    t4 = (p.concentration0 - q.concentration0) * E.digamma(p.concentration0)
    t5 = (sum_q - sum_p) * E.digamma(sum_p)
    return t1 - t2 + t3 + t4 + t5


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p, q):
    if bool((p.total_count < q.total_count).any()):
        raise NotImplementedError("KL between Binomials where q.total_count > p.total_count is not implemented")
    kl = p.total_count * (p.probs * (p.logits - q.logits) + (-p.probs).log1p() - (-q.probs).log1p())
    inf_idxs = p.total_count > q.total_count
    kl[inf_idxs] = math.inf
    return kl


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    t = p.probs * (p.logits - q.logits)
    t[(q.probs == 0).expand_as(t)] = math.inf
    t[(p.probs == 0).expand_as(t)] = 0
    return t.sum(-1)


@register_kl(ContinuousBernoulli, ContinuousBernoulli)
def _kl_continuous_bernoulli_continuous_bernoulli(p, q):
    t1 = p.mean * (p.logits - q.logits)
    t2 = p._cont_bern_log_norm() + (-p.probs).log1p()
    t3 = -q._cont_bern_log_norm() - (-q.probs).log1p()
    return t1 + t2 + t3


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p, q):
    sum_p_concentration = p.concentration.sum(-1)
    sum_q_concentration = q.concentration.sum(-1)
    t1 = sum_p_concentration.lgamma() - sum_q_concentration.lgamma()
    t2 = (p.concentration.lgamma() - q.concentration.lgamma()).sum(-1)
    t3 = p.concentration - q.concentration
    t4 = p.concentration.digamma() - sum_p_concentration.digamma().unsqueeze(-1)
    return t1 - t2 + (t3 * t4).sum(-1)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p, q):
    rate_ratio = q.rate / p.rate
    t1 = -rate_ratio.log()
    return t1 + rate_ratio - 1


@register_kl(ExponentialFamily, ExponentialFamily)
def _kl_expfamily_expfamily(p, q):
    E = _E()
    if not type(p) == type(q):
        raise NotImplementedError("The cross KL-divergence between different exponential families cannot be "
                                  "computed using Bregman divergences")
    p_nparams = [np_.detach().requires_grad_() for np_ in p._natural_params]
    q_nparams = q._natural_params
    lg_normal = p._log_normalizer(*p_nparams)
    gradients = E.autograd.grad(lg_normal.sum(), p_nparams, create_graph=True)
    result = q._log_normalizer(*q_nparams) - lg_normal
    for pnp, qnp, g in zip(p_nparams, q_nparams, gradients):
        term = (qnp - pnp) * g
        result = result - _sum_rightmost(term, len(q.event_shape))
    return result


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p, q):
    E = _E()
    t1 = q.concentration * (p.rate / q.rate).log()
    t2 = E.lgamma(q.concentration) - E.lgamma(p.concentration)
    t3 = (p.concentration - q.concentration) * E.digamma(p.concentration)
    t4 = (q.rate - p.rate) * (p.concentration / p.rate)
    return t1 + t2 + t3 + t4


@register_kl(Gumbel, Gumbel)
def _kl_gumbel_gumbel(p, q):
    E = _E()
    ct1 = p.scale / q.scale
    ct2 = q.loc / q.scale
    ct3 = p.loc / q.scale
    t1 = -ct1.log() - ct2 + ct3
    t2 = ct1 * _EULER
    t3 = E.exp(ct2 + (1 + ct1).lgamma() - ct3)
    return t1 + t2 + t3 - (1 + _EULER)


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p, q):
    return -p.entropy() - (-q.probs).log1p() / p.probs - q.logits


@register_kl(HalfNormal, HalfNormal)
def _kl_halfnormal_halfnormal(p, q):
    return _kl_normal_normal(p.base_dist, q.base_dist)


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p, q):
    scale_ratio = p.scale / q.scale
    loc_abs_diff = (p.loc - q.loc).abs()
    t1 = -scale_ratio.log()
    t2 = loc_abs_diff / q.scale
    t3 = scale_ratio * (-loc_abs_diff / p.scale).exp()
    return t1 + t2 + t3 - 1


def _mvn_parts(d):
    """(loc, scale_tril) of a (low-rank) multivariate normal, dense."""
    E = _E()
    if isinstance(d, LowRankMultivariateNormal):
        return d.loc, E.linalg.cholesky(d.covariance_matrix)
    return d.loc, d._unbroadcasted_scale_tril


def _kl_gaussians(p, q):
    E = _E()
    if tuple(p.event_shape) != tuple(q.event_shape):
        raise ValueError("KL-divergence between two Multivariate Normals with different event shapes cannot be "
                         "computed")
    p_loc, p_L = _mvn_parts(p)
    q_loc, q_L = _mvn_parts(q)
    half_term1 = (q_L.diagonal(dim1=-2, dim2=-1).log().sum(-1) - p_L.diagonal(dim1=-2, dim2=-1).log().sum(-1))
    combined_batch_shape = E.broadcast_shapes(q_L.shape[:-2], p_L.shape[:-2])
    n = p.event_shape[0]
    q_scale_tril = q_L.expand(tuple(combined_batch_shape) + (n, n))
    p_scale_tril = p_L.expand(tuple(combined_batch_shape) + (n, n))
    term2 = E.linalg.solve_triangular(q_scale_tril, p_scale_tril, upper=False).pow(2).sum((-2, -1))
    diff = (q_loc - p_loc).unsqueeze(-1)
    diff_b = diff.expand(tuple(E.broadcast_shapes(diff.shape[:-2], q_L.shape[:-2])) + (n, 1))
    qL_b = q_L.expand(tuple(diff_b.shape[:-2]) + (n, n))
    term3 = E.linalg.solve_triangular(qL_b, diff_b, upper=False).pow(2).sum((-2, -1))
    return half_term1 + 0.5 * (term2 + term3 - n)


register_kl(MultivariateNormal, MultivariateNormal)(_kl_gaussians)
register_kl(LowRankMultivariateNormal, LowRankMultivariateNormal)(_kl_gaussians)
register_kl(LowRankMultivariateNormal, MultivariateNormal)(_kl_gaussians)
register_kl(MultivariateNormal, LowRankMultivariateNormal)(_kl_gaussians)


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    var_ratio = (p.scale / q.scale).pow(2)
    t1 = ((p.loc - q.loc) / q.scale).pow(2)
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehotcategorical_onehotcategorical(p, q):
    return _kl_categorical_categorical(p._categorical, q._categorical)


@register_kl(Pareto, Pareto)
def _kl_pareto_pareto(p, q):
    scale_ratio = p.scale / q.scale
    alpha_ratio = q.alpha / p.alpha
    t1 = q.alpha * scale_ratio.log()
    t2 = -alpha_ratio.log()
    result = t1 + t2 + alpha_ratio - 1
    result[p.support.lower_bound < q.support.lower_bound] = math.inf
    return result


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p, q):
    return p.rate * (p.rate.log() - q.rate.log()) - (p.rate - q.rate)


@register_kl(TransformedDistribution, TransformedDistribution)
def _kl_transformed_transformed(p, q):
    if p.transforms != q.transforms:
        raise NotImplementedError
    if tuple(p.event_shape) != tuple(q.event_shape):
        raise NotImplementedError
    return kl_divergence(p.base_dist, q.base_dist)


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    result = ((q.high - q.low) / (p.high - p.low)).log()
    result[(q.low > p.low) | (q.high < p.high)] = math.inf
    return result


@register_kl(Independent, Independent)
def _kl_independent_independent(p, q):
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError
    result = kl_divergence(p.base_dist, q.base_dist)
    return _sum_rightmost(result, p.reinterpreted_batch_ndims)


@register_kl(Cauchy, Cauchy)
def _kl_cauchy_cauchy(p, q):
    t1 = ((p.scale + q.scale).pow(2) + (p.loc - q.loc).pow(2)).log()
    t2 = (4 * p.scale * q.scale).log()
    return t1 - t2


# ---- discrete cross pairs -----------------------------------------------------------------------------
@register_kl(Bernoulli, Poisson)
def _kl_bernoulli_poisson(p, q):
    # KL = (1 - p) log(1 - p) + p log p + rate - p log rate (q(0) = e^-r, q(1) = r e^-r)
    E = _E()
    prob = p.probs
    plogp = E.xlogy(prob, prob) + E.xlogy(1 - prob, 1 - prob)
    return plogp + q.rate - prob * q.rate.log()


# ---- continuous cross pairs: p on a bounded interval ------------------------------------------------
def _beta_moments(p):
    mean = p.mean
    return mean, p.variance + mean.pow(2)


def _beta_log_moments(p):
    E = _E()
    s = p.concentration1 + p.concentration0
    return E.digamma(p.concentration1) - E.digamma(s), E.digamma(p.concentration0) - E.digamma(s)


@register_kl(Beta, ContinuousBernoulli)
def _kl_beta_continuous_bernoulli(p, q):
    return -p.entropy() - _e_log_cont_bernoulli(q, p.mean)


@register_kl(Beta, Exponential)
def _kl_beta_exponential(p, q):
    return -p.entropy() - _e_log_exponential(q, p.mean)


@register_kl(Beta, Gamma)
def _kl_beta_gamma(p, q):
    return -p.entropy() - _e_log_gamma(q, p.mean, _beta_log_moments(p)[0])


@register_kl(Beta, Normal)
def _kl_beta_normal(p, q):
    mean, second = _beta_moments(p)
    return -p.entropy() - _e_log_normal(q, mean, second)


@register_kl(Beta, Uniform)
def _kl_beta_uniform(p, q):
    result = -p.entropy() + (q.high - q.low).log()
    return _where_inf((q.low > p.support.lower_bound) | (q.high < p.support.upper_bound), result)


@register_kl(ContinuousBernoulli, Exponential)
def _kl_continuous_bernoulli_exponential(p, q):
    return -p.entropy() - _e_log_exponential(q, p.mean)


@register_kl(ContinuousBernoulli, Normal)
def _kl_continuous_bernoulli_normal(p, q):
    mean = p.mean
    return -p.entropy() - _e_log_normal(q, mean, p.variance + mean.pow(2))


@register_kl(ContinuousBernoulli, Uniform)
def _kl_continuous_bernoulli_uniform(p, q):
    result = -p.entropy() + (q.high - q.low).log()
    # torch treats a uniform that only touches [0, 1]'s ends as not covering it
    return _where_inf((q.low >= p.support.lower_bound) | (q.high <= p.support.upper_bound), result)


# ---- p on [0, inf) -------------------------------------------------------------------------------------
@register_kl(Exponential, Gamma)
def _kl_exponential_gamma(p, q):
    mean_log = -_EULER - p.rate.log()
    return -p.entropy() - _e_log_gamma(q, p.mean, mean_log)


@register_kl(Exponential, Gumbel)
def _kl_exponential_gumbel(p, q):
    mgf = p.rate / (p.rate + 1 / q.scale)  # E[exp(-X / b)]
    return -p.entropy() - _e_log_gumbel(q, p.mean, mgf)


@register_kl(Exponential, Normal)
def _kl_exponential_normal(p, q):
    return -p.entropy() - _e_log_normal(q, p.mean, 2 / p.rate.pow(2))


@register_kl(Gamma, Exponential)
def _kl_gamma_exponential(p, q):
    return -p.entropy() - _e_log_exponential(q, p.mean)


@register_kl(Gamma, Gumbel)
def _kl_gamma_gumbel(p, q):
    mgf = (p.rate / (p.rate + 1 / q.scale)).pow(p.concentration)
    return -p.entropy() - _e_log_gumbel(q, p.mean, mgf)


@register_kl(Gamma, Normal)
def _kl_gamma_normal(p, q):
    second = p.concentration * (p.concentration + 1) / p.rate.pow(2)
    return -p.entropy() - _e_log_normal(q, p.mean, second)


# ---- p on the real line ----------------------------------------------------------------------------------
@register_kl(Gumbel, Normal)
def _kl_gumbel_normal(p, q):
    mean = p.mean
    return -p.entropy() - _e_log_normal(q, mean, p.variance + mean.pow(2))


@register_kl(Laplace, Normal)
def _kl_laplace_normal(p, q):
    return -p.entropy() - _e_log_normal(q, p.loc, 2 * p.scale.pow(2) + p.loc.pow(2))


@register_kl(Normal, Gumbel)
def _kl_normal_gumbel(p, q):
    mgf = (-p.loc / q.scale + p.scale.pow(2) / (2 * q.scale.pow(2))).exp()
    return -p.entropy() - _e_log_gumbel(q, p.loc, mgf)


@register_kl(Normal, Laplace)
def _kl_normal_laplace(p, q):
    E = _E()
    d = p.loc - q.loc
    # E|X - mu_q| for X ~ N(mu_p, s): the folded normal mean
    mad = p.scale * math.sqrt(2 / math.pi) * (-d.pow(2) / (2 * p.scale.pow(2))).exp() + d * E.erf(d / (p.scale * math.sqrt(2)))
    return -p.entropy() - _e_log_laplace(q, mad)


# ---- p = Pareto on [scale, inf) ---------------------------------------------------------------------------
def _pareto_log_mean(p):
    return p.scale.log() + 1 / p.alpha


@register_kl(Pareto, Exponential)
def _kl_pareto_exponential(p, q):
    result = -p.entropy() - _e_log_exponential(q, p.mean)
    return _where_inf(p.alpha <= 1, result)


@register_kl(Pareto, Gamma)
def _kl_pareto_gamma(p, q):
    result = -p.entropy() - _e_log_gamma(q, p.mean, _pareto_log_mean(p))
    return _where_inf(p.alpha <= 1, result)


@register_kl(Pareto, Normal)
def _kl_pareto_normal(p, q):
    a = p.alpha.clamp(min=2 + 1e-12)
    mean = a * p.scale / (a - 1)
    second = a * p.scale.pow(2) / (a - 2)
    result = -p.entropy() - _e_log_normal(q, mean, second)
    return _where_inf(p.alpha <= 2, result)


# ---- p = Uniform -------------------------------------------------------------------------------------------
def _uniform_log_moments(p):
    """(E[log X], E[log(1 - X)]) for X ~ Uniform(a, b) inside (0, 1)."""
    a, b = p.low, p.high
    width = b - a
    e_log = (_x_log_x(b) - _x_log_x(a)) / width - 1
    e_log1m = -(_x_log_x(1 - b) - _x_log_x(1 - a)) / width - 1
    return e_log, e_log1m


@register_kl(Uniform, Beta)
def _kl_uniform_beta(p, q):
    e_log, e_log1m = _uniform_log_moments(p)
    result = -p.entropy() - _e_log_beta(q, e_log, e_log1m)
    return _where_inf((p.high > q.support.upper_bound) | (p.low < q.support.lower_bound), result)


@register_kl(Uniform, ContinuousBernoulli)
def _kl_uniform_continuous_bernoulli(p, q):
    result = -p.entropy() - _e_log_cont_bernoulli(q, p.mean)
    return _where_inf((p.high >= q.support.upper_bound) | (p.low <= q.support.lower_bound), result)


@register_kl(Uniform, Exponential)
def _kl_uniform_exponential(p, q):
    result = -p.entropy() - _e_log_exponential(q, p.mean)
    return _where_inf(p.low < q.support.lower_bound, result)


@register_kl(Uniform, Gamma)
def _kl_uniform_gamma(p, q):
    a, b = p.low, p.high
    e_log = (_x_log_x(b) - _x_log_x(a)) / (b - a) - 1
    result = -p.entropy() - _e_log_gamma(q, p.mean, e_log)
    return _where_inf(p.low < q.support.lower_bound, result)


@register_kl(Uniform, Gumbel)
def _kl_uniform_gumbel(p, q):
    a, b = p.low, p.high
    mgf = q.scale * ((-a / q.scale).exp() - (-b / q.scale).exp()) / (b - a)
    return -p.entropy() - _e_log_gumbel(q, p.mean, mgf)


@register_kl(Uniform, Normal)
def _kl_uniform_normal(p, q):
    a, b = p.low, p.high
    second = (a.pow(2) + a * b + b.pow(2)) / 3
    return -p.entropy() - _e_log_normal(q, p.mean, second)


@register_kl(Uniform, Pareto)
def _kl_uniform_pareto(p, q):
    a, b = p.low, p.high
    e_log = (_x_log_x(b) - _x_log_x(a)) / (b - a) - 1
    result = -p.entropy() - _e_log_pareto(q, e_log)
    return _where_inf(p.low < q.support.lower_bound, result)


# ---- pairs where q's support misses part of p's: infinite over the batch -------------------------
_INFINITE_PAIRS = [
    (Poisson, Bernoulli), (Poisson, Binomial), (Beta, Pareto), (ContinuousBernoulli, Pareto),
    (Exponential, Beta), (Exponential, ContinuousBernoulli), (Exponential, Pareto), (Exponential, Uniform),
    (Gamma, Beta), (Gamma, ContinuousBernoulli), (Gamma, Pareto), (Gamma, Uniform), (Gumbel, Beta),
    (Gumbel, ContinuousBernoulli), (Gumbel, Exponential), (Gumbel, Gamma), (Gumbel, Pareto),
    (Gumbel, Uniform), (Laplace, Beta), (Laplace, ContinuousBernoulli), (Laplace, Exponential),
    (Laplace, Gamma), (Laplace, Pareto), (Laplace, Uniform), (Normal, Beta), (Normal, ContinuousBernoulli),
    (Normal, Exponential), (Normal, Gamma), (Normal, Pareto), (Normal, Uniform), (Pareto, Beta),
    (Pareto, ContinuousBernoulli), (Pareto, Uniform),
]
for _p, _q in _INFINITE_PAIRS:
    register_kl(_p, _q)(_infinite)
