"""MultivariateNormal, LowRankMultivariateNormal, Independent and MixtureSameFamily against torch:
log_prob for every parameterization, entropy, moments, seeded samples, rsample gradients, batch
broadcasting, expand, reprs and validation errors."""
import numpy as np
import pytest

import ember
from ember.distributions.categorical import Categorical
from ember.distributions.independent import Independent
from ember.distributions.lowrank_multivariate_normal import LowRankMultivariateNormal
from ember.distributions.mixture_same_family import MixtureSameFamily
from ember.distributions.multivariate_normal import MultivariateNormal
from ember.distributions.normal import Normal
from tests._oracle import requires_torch, torch

pytestmark = requires_torch

TD = None if torch is None else torch.distributions
_rng = np.random.default_rng(21)
LOC = _rng.standard_normal((2, 3))
_M = _rng.standard_normal((2, 3, 3))
COV = _M @ _M.transpose(0, 2, 1) + np.eye(3)
TRIL = np.linalg.cholesky(COV)
PREC = np.linalg.inv(COV)
X = _rng.standard_normal((4, 2, 3))
LIB = {}


def _libs():
    return ((ember, {"MultivariateNormal": MultivariateNormal, "LowRankMultivariateNormal": LowRankMultivariateNormal,
                     "Independent": Independent, "MixtureSameFamily": MixtureSameFamily, "Normal": Normal,
                     "Categorical": Categorical}),
            (torch, TD.__dict__))


def _np(x):
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


def _close(e, t, rtol=1e-5, atol=1e-6):
    assert tuple(e.shape) == tuple(t.shape), (e.shape, t.shape)
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], (e.dtype, t.dtype)
    np.testing.assert_allclose(_np(e), _np(t), rtol=rtol, atol=atol)


def _mvn(lib, d, dtype, kind):
    t = lambda a: lib.tensor(a, dtype=dtype)  # noqa: E731
    mat = {"covariance_matrix": COV, "precision_matrix": PREC, "scale_tril": TRIL}[kind]
    return d["MultivariateNormal"](t(LOC), **{kind: t(mat)})


@pytest.mark.parametrize("kind", ["covariance_matrix", "precision_matrix", "scale_tril"])
@pytest.mark.parametrize("dt", ["float64", "float32"])
def test_mvn_parameterizations_match_torch(kind, dt):
    tol = dict(rtol=1e-10, atol=1e-10) if dt == "float64" else dict(rtol=2e-5, atol=2e-5)
    (el, ed), (tl, tdd) = _libs()
    e, t = _mvn(el, ed, getattr(ember, dt), kind), _mvn(tl, tdd, getattr(torch, dt), kind)
    assert e.batch_shape == t.batch_shape and e.event_shape == t.event_shape
    assert repr(e) == repr(t)
    assert {k: repr(v) for k, v in e.arg_constraints.items()} == {k: repr(v) for k, v in t.arg_constraints.items()}
    assert repr(e.support) == repr(t.support)
    for attr in ("mean", "mode", "variance", "stddev", "scale_tril", "covariance_matrix", "precision_matrix"):
        _close(getattr(e, attr), getattr(t, attr), **tol)
    _close(e.log_prob(ember.tensor(X, dtype=getattr(ember, dt))), t.log_prob(torch.tensor(X, dtype=getattr(torch, dt))),
           **tol)
    _close(e.entropy(), t.entropy(), **tol)
    ember.manual_seed(3)
    torch.manual_seed(3)
    _close(e.rsample((5,)), t.rsample((5,)), **tol)
    _close(e.sample(), t.sample(), **tol)
    ee, te = e.expand((4, 2)), t.expand((4, 2))
    assert ee.batch_shape == te.batch_shape
    _close(ee.log_prob(ember.tensor(X, dtype=getattr(ember, dt))),
           te.log_prob(torch.tensor(X, dtype=getattr(torch, dt))), **tol)


@pytest.mark.parametrize("kind", ["covariance_matrix", "precision_matrix", "scale_tril"])
def test_mvn_rsample_gradients_match_torch(kind):
    res = []
    for lib, d in _libs():
        lib.manual_seed(8)
        loc = lib.tensor(LOC, requires_grad=True)
        mat = {"covariance_matrix": COV, "precision_matrix": PREC, "scale_tril": TRIL}[kind]
        m = lib.tensor(mat, requires_grad=True)
        dist = d["MultivariateNormal"](loc, **{kind: m})
        s = dist.rsample((3,))
        (s.pow(2).sum() + dist.log_prob(s).sum() + dist.entropy().sum()).backward()
        res.append((s, loc.grad, m.grad))
    for a, b in zip(*res):
        _close(a, b, rtol=1e-9, atol=1e-9)


def test_mvn_broadcasts_loc_against_scale_tril():
    for loc_shape, tril in (((4, 1, 3), TRIL), ((3,), TRIL), ((2, 3), TRIL[0])):
        loc = _rng.standard_normal(loc_shape)
        out = []
        for lib, d in _libs():
            lib.manual_seed(1)
            dist = d["MultivariateNormal"](lib.tensor(loc), scale_tril=lib.tensor(tril))
            out.append((dist.batch_shape, dist.loc, dist.scale_tril, dist.log_prob(lib.tensor(X[0])),
                        dist.sample((2,)), dist.entropy()))
        assert out[0][0] == out[1][0]
        for a, b in zip(out[0][1:], out[1][1:]):
            _close(a, b, rtol=1e-10, atol=1e-10)


def _err(fn):
    try:
        fn()
    except Exception as ex:  # noqa: BLE001 - compared below
        # torch.linalg.LinAlgError's class is named _LinAlgError; ember's is ember.linalg.LinAlgError
        return type(ex).__name__.lstrip("_"), str(ex)
    return None


@pytest.mark.parametrize("make", [
    lambda lib, d: d["MultivariateNormal"](lib.zeros(3)),
    lambda lib, d: d["MultivariateNormal"](lib.zeros(3), lib.eye(3), scale_tril=lib.eye(3)),
    lambda lib, d: d["MultivariateNormal"](lib.zeros(3), lib.ones(3)),
    lambda lib, d: d["MultivariateNormal"](lib.zeros(3), scale_tril=lib.ones(3)),
    lambda lib, d: d["MultivariateNormal"](lib.zeros(3), precision_matrix=lib.ones(3)),
    lambda lib, d: d["MultivariateNormal"](lib.zeros(3), -lib.eye(3), validate_args=True),
    lambda lib, d: d["MultivariateNormal"](lib.zeros(3), lib.eye(3), validate_args=True).log_prob(lib.zeros(2)),
    lambda lib, d: d["LowRankMultivariateNormal"](lib.zeros(3), lib.ones(3), lib.ones(3)),
    lambda lib, d: d["LowRankMultivariateNormal"](lib.zeros(3), lib.ones(2, 1), lib.ones(3)),
    lambda lib, d: d["LowRankMultivariateNormal"](lib.zeros(3), lib.ones(3, 1), -lib.ones(3), validate_args=True),
    lambda lib, d: d["Independent"](d["Normal"](lib.zeros(3), lib.ones(3)), 2),
    lambda lib, d: d["MixtureSameFamily"](lib.zeros(3), d["Normal"](lib.zeros(3), lib.ones(3))),
    lambda lib, d: d["MixtureSameFamily"](d["Categorical"](lib.ones(2)), d["Normal"](lib.zeros(3), lib.ones(3))),
    lambda lib, d: d["MixtureSameFamily"](d["Categorical"](lib.ones(2)), lib.zeros(2)),
])
def test_validation_errors_match_torch(make):
    (el, ed), (tl, tdd) = _libs()
    want = _err(lambda: make(tl, tdd))
    assert want is not None
    assert _err(lambda: make(el, ed)) == want


@pytest.mark.parametrize("dt", ["float64", "float32"])
def test_lowrank_mvn_matches_torch(dt):
    tol = dict(rtol=1e-10, atol=1e-10) if dt == "float64" else dict(rtol=3e-5, atol=3e-5)
    W = _rng.standard_normal((2, 3, 2))
    D = _rng.uniform(0.5, 2.0, (2, 3))
    res, reprs = [], []
    for lib, d in _libs():
        f = getattr(lib, dt)
        loc, w, dg = (lib.tensor(a, dtype=f, requires_grad=True) for a in (LOC, W, D))
        dist = d["LowRankMultivariateNormal"](loc, w, dg)
        reprs.append((repr(dist), dist.batch_shape, dist.event_shape, repr(dist.support)))
        lib.manual_seed(6)
        s = dist.rsample((4,))
        lp = dist.log_prob(lib.tensor(X, dtype=f))
        ent = dist.entropy()
        (s.sum() + lp.sum() + ent.sum() + dist.log_prob(s).sum()).backward()
        ex = dist.expand((5, 2))
        res.append([s, lp, ent, dist.mean, dist.mode, dist.variance, dist.scale_tril, dist.covariance_matrix,
                    dist.precision_matrix, loc.grad, w.grad, dg.grad, ex.log_prob(lib.tensor(X[:1], dtype=f))])
    assert reprs[0] == reprs[1]
    for a, b in zip(*res):
        _close(a, b, **tol)


def test_independent_reinterprets_normal():
    loc = _rng.standard_normal((2, 3, 4)).astype(np.float32)
    scale = _rng.uniform(0.5, 2, (2, 3, 4)).astype(np.float32)
    x = _rng.standard_normal((5, 2, 3, 4)).astype(np.float32)
    for ndims in (0, 1, 2, 3):
        res, meta = [], []
        for lib, d in _libs():
            lib.manual_seed(9)
            lo, sc = lib.tensor(loc, requires_grad=True), lib.tensor(scale, requires_grad=True)
            dist = d["Independent"](d["Normal"](lo, sc), ndims)
            meta.append((dist.batch_shape, dist.event_shape, repr(dist), repr(dist.support), dist.has_rsample,
                         dist.has_enumerate_support, dist.expand((7,) + tuple(dist.batch_shape)).batch_shape))
            s = dist.rsample((2,))
            lp = dist.log_prob(lib.tensor(x))
            (lp.sum() + s.sum() + dist.entropy().sum()).backward()
            res.append([s, lp, dist.entropy(), dist.mean, dist.mode, dist.variance, lo.grad, sc.grad])
        assert meta[0] == meta[1]
        for a, b in zip(*res):
            _close(a, b)


def test_independent_of_categorical_enumerates_like_torch():
    p = _rng.dirichlet(np.ones(3), (2,)).astype(np.float32)
    out = []
    for lib, d in _libs():
        dist = d["Independent"](d["Categorical"](lib.tensor(p)), 0)
        out.append((dist.enumerate_support(), dist.log_prob(dist.enumerate_support())))
    for a, b in zip(*out):
        _close(a, b)
    e = Independent(Categorical(ember.tensor(p)), 1)
    t = TD.Independent(TD.Categorical(torch.tensor(p)), 1)
    assert e.has_enumerate_support == t.has_enumerate_support is False
    with pytest.raises(NotImplementedError):
        t.enumerate_support()
    with pytest.raises(NotImplementedError):
        e.enumerate_support()


@pytest.mark.parametrize("event", [False, True])
def test_mixture_same_family_of_normals(event):
    w = _rng.uniform(0.2, 1.0, (2, 3)).astype(np.float32)
    mu = _rng.standard_normal((2, 3, 4) if event else (2, 3)).astype(np.float32)
    sd = _rng.uniform(0.5, 1.5, mu.shape).astype(np.float32)
    x = _rng.standard_normal((5, 2, 4) if event else (5, 2)).astype(np.float32)
    res, meta = [], []
    for lib, d in _libs():
        ww = lib.tensor(w, requires_grad=True)
        mm = lib.tensor(mu, requires_grad=True)
        comp = d["Normal"](mm, lib.tensor(sd))
        if event:
            comp = d["Independent"](comp, 1)
        mix = d["MixtureSameFamily"](d["Categorical"](logits=ww), comp)
        meta.append((mix.batch_shape, mix.event_shape, repr(mix), repr(mix.support), mix.has_rsample))
        lp = mix.log_prob(lib.tensor(x))
        lp.sum().backward()
        lib.manual_seed(13)
        s = mix.sample((3, 2))
        ex = mix.expand((4, 2))
        lib.manual_seed(13)
        se = ex.sample()
        vals = [lp, s, se, ex.log_prob(lib.tensor(x[:1])), mix.mean, mix.variance, ww.grad, mm.grad]
        if not event:
            vals.append(mix.cdf(lib.tensor(x)))
        res.append(vals)
    assert meta[0] == meta[1]
    for a, b in zip(*res):
        _close(a, b, rtol=2e-5, atol=2e-6)


def test_mixture_of_mvns_sample_and_log_prob():
    res = []
    for lib, d in _libs():
        mix = d["MixtureSameFamily"](d["Categorical"](lib.tensor([0.3, 0.7], dtype=lib.float64)),
                                     d["MultivariateNormal"](lib.tensor(LOC), scale_tril=lib.tensor(TRIL)))
        lib.manual_seed(17)
        res.append([mix.sample((6,)), mix.log_prob(lib.tensor(X)), mix.mean, mix.variance])
    for a, b in zip(*res):
        _close(a, b, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("make", [
    lambda lib, d: d["MultivariateNormal"](lib.tensor(0.0), lib.eye(1)),
    lambda lib, d: d["MultivariateNormal"](lib.zeros(2), lib.eye(3)),
    lambda lib, d: d["MultivariateNormal"](lib.zeros(3), lib.eye(3)).log_prob(lib.zeros(2, 1, 3)),
    lambda lib, d: d["MultivariateNormal"](lib.zeros(3), lib.eye(3)).expand((2,)).covariance_matrix,
    lambda lib, d: d["MixtureSameFamily"](d["Categorical"](lib.ones(2)), d["Independent"](
        d["Normal"](lib.zeros(2, 3), lib.ones(2, 3)), 1)).cdf(lib.zeros(3)),
    lambda lib, d: d["MixtureSameFamily"](d["Categorical"](lib.ones(2)), d["Normal"](lib.zeros(2), lib.ones(2))).support,
    lambda lib, d: d["LowRankMultivariateNormal"](lib.zeros(3), lib.ones(3, 1), lib.ones(3)).support,
])
def test_edge_cases_agree_with_torch(make):
    (el, ed), (tl, tdd) = _libs()

    def run(lib, d):
        try:
            r = make(lib, d)
        except Exception as ex:  # noqa: BLE001 - compared below
            return type(ex).__name__, str(ex)
        return repr(r) if not hasattr(r, "shape") else (tuple(r.shape), _np(r).tolist())
    assert run(el, ed) == run(tl, tdd)
