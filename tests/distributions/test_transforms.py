"""Oracle tests for transforms, biject_to/transform_to and TransformedDistribution."""
import numpy as np
import pytest

import ember
from ember.distributions import constraints as EC
from ember.distributions import transforms as ET
from ember.distributions.constraint_registry import biject_to, transform_to
from ember.distributions.normal import Normal
from ember.distributions.transformed_distribution import TransformedDistribution
from tests._oracle import requires_torch, torch

pytestmark = requires_torch

TT = torch.distributions.transforms if torch is not None else None
TC = torch.distributions.constraints if torch is not None else None


def _close(e, t, rtol=1e-9, atol=1e-10):
    assert tuple(e.shape) == tuple(t.shape), (e.shape, t.shape)
    assert str(e.dtype) == str(t.dtype), (e.dtype, t.dtype)
    np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)


X = np.array([[0.3, -1.2, 0.8, 2.0], [-0.5, 0.1, 1.7, -2.2]])
X6 = np.array([[0.3, -1.2, 0.8, 2.0, -0.4, 0.9], [-0.5, 0.1, 1.7, -2.2, 0.6, -1.1]])
XPOS = np.abs(X) + 0.1
XU = np.array([[0.1, 0.4, 0.55, 0.9], [0.2, 0.7, 0.35, 0.05]])


def _t(lib, name, *args, **kw):
    return getattr(ET if lib is ember else TT, name)(*args, **kw)


# (factory(lib) -> transform, input array)
TRANSFORMS = [
    ("Exp", lambda L: _t(L, "ExpTransform"), X),
    ("Power", lambda L: _t(L, "PowerTransform", L.tensor(2.5, dtype=L.float64)), XPOS),
    ("Sigmoid", lambda L: _t(L, "SigmoidTransform"), X),
    ("Tanh", lambda L: _t(L, "TanhTransform"), X),
    ("Softplus", lambda L: _t(L, "SoftplusTransform"), X),
    ("Abs", lambda L: _t(L, "AbsTransform"), X),
    ("Affine", lambda L: _t(L, "AffineTransform", L.tensor([1.0, -2.0, 0.5, 3.0], dtype=L.float64),
                            L.tensor([2.0, -0.5, 1.5, 0.7], dtype=L.float64)), X),
    ("Affine-ev1", lambda L: _t(L, "AffineTransform", 1.0, -3.0, event_dim=1), X),
    ("Softmax", lambda L: _t(L, "SoftmaxTransform"), X),
    ("StickBreaking", lambda L: _t(L, "StickBreakingTransform"), X),
    ("LowerCholesky", lambda L: _t(L, "LowerCholeskyTransform"), X6[:, :4].reshape(2, 2, 2)),
    ("PositiveDefinite", lambda L: _t(L, "PositiveDefiniteTransform"), X6[:, :4].reshape(2, 2, 2)),
    ("CorrCholesky", lambda L: _t(L, "CorrCholeskyTransform"), X6),
    ("Independent", lambda L: _t(L, "IndependentTransform", _t(L, "ExpTransform"), 1), X),
    ("Reshape", lambda L: _t(L, "ReshapeTransform", (4,), (2, 2)), X),
    ("Compose", lambda L: _t(L, "ComposeTransform", [_t(L, "TanhTransform"),
                                                     _t(L, "AffineTransform", 0.5, 3.0)]), X),
    ("Compose-ev", lambda L: _t(L, "ComposeTransform", [_t(L, "ExpTransform"), _t(L, "StickBreakingTransform")]), X),
    ("Inverse", lambda L: _t(L, "SigmoidTransform").inv, XU),
    ("Cat", lambda L: _t(L, "CatTransform", [_t(L, "ExpTransform"), _t(L, "AffineTransform", 1.0, 2.0)], 1, [3, 1]), X),
    ("Stack", lambda L: _t(L, "StackTransform", [_t(L, "ExpTransform"), _t(L, "TanhTransform")], 0), X),
    ("CDF", lambda L: _t(L, "CumulativeDistributionTransform",
                         (Normal if L is ember else torch.distributions.Normal)(L.tensor(0.5, dtype=L.float64),
                                                                                L.tensor(2.0, dtype=L.float64))), X),
]
TIDS = [t[0] for t in TRANSFORMS]


@pytest.mark.parametrize("name,make,x", TRANSFORMS, ids=TIDS)
def test_transform_against_torch(name, make, x):
    te, tt = make(ember), make(torch)
    assert repr(te) == repr(tt)
    assert repr(te.domain) == repr(tt.domain) and repr(te.codomain) == repr(tt.codomain)
    assert te.bijective == tt.bijective
    assert te.domain.event_dim == tt.domain.event_dim and te.codomain.event_dim == tt.codomain.event_dim
    try:
        sign_t = tt.sign
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            te.sign
    else:
        np.testing.assert_array_equal(np.asarray(te.sign if isinstance(te.sign, int) else te.sign.numpy()),
                                      np.asarray(sign_t if isinstance(sign_t, int) else sign_t.numpy()))
    xe = ember.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    ye, yt = te(xe), tt(xt)
    _close(ye, yt)
    assert tuple(te.forward_shape(xe.shape)) == tuple(tt.forward_shape(xt.shape)) == tuple(yt.shape)
    assert tuple(te.inverse_shape(ye.shape)) == tuple(tt.inverse_shape(yt.shape))
    if tt.bijective or name == "Abs":
        _close(te.inv(ye.detach()), tt.inv(yt.detach()), rtol=1e-7, atol=1e-9)
    try:
        jt = tt.log_abs_det_jacobian(xt, yt)
    except NotImplementedError:
        with pytest.raises(NotImplementedError):
            te.log_abs_det_jacobian(xe, ye)
        return
    je = te.log_abs_det_jacobian(xe, ye)
    _close(je, jt)
    (ye.sum() + je.sum()).backward()
    (yt.sum() + jt.sum()).backward()
    _close(xe.grad, xt.grad, rtol=1e-7, atol=1e-9)
    # the inverse transform's jacobian is the negation
    if tt.bijective:
        _close(te.inv.log_abs_det_jacobian(ye.detach(), xe.detach()), tt.inv.log_abs_det_jacobian(yt.detach(), xt.detach()))


def test_float32_numerics_sigmoid_tanh():
    x = np.array([-100.0, -20.0, -1.0, 0.0, 3.0, 20.0, 100.0], dtype=np.float32)
    for name in ["SigmoidTransform", "TanhTransform", "SoftplusTransform"]:
        te, tt = _t(ember, name), _t(torch, name)
        xe, xt = ember.tensor(x), torch.tensor(x)
        ye, yt = te(xe), tt(xt)
        _close(ye, yt, rtol=1e-6, atol=1e-7)
        _close(te.inv(ye), tt.inv(yt), rtol=1e-5, atol=1e-5)
        _close(te.log_abs_det_jacobian(xe, ye), tt.log_abs_det_jacobian(xt, yt), rtol=1e-5, atol=1e-5)


def test_caching_and_equality():
    for cache in (0, 1):
        te, tt = ET.ExpTransform(cache_size=cache), TT.ExpTransform(cache_size=cache)
        xe, xt = ember.tensor([0.5, 1.0]), torch.tensor([0.5, 1.0])
        ye, yt = te(xe), tt(xt)
        assert (te.inv(ye) is xe) == (tt.inv(yt) is xt) == bool(cache)
        assert (te(xe) is ye) == (tt(xt) is yt) == bool(cache)
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        ET.ExpTransform(cache_size=2)
    assert ET.ExpTransform().with_cache(1)._cache_size == 1
    assert ET.ExpTransform() == ET.ExpTransform() and ET.ExpTransform() != ET.SigmoidTransform()
    assert ET.ExpTransform().inv.inv == ET.ExpTransform()
    assert (ET.AffineTransform(1.0, 2.0) == ET.AffineTransform(1.0, 2.0)) == \
        (TT.AffineTransform(1.0, 2.0) == TT.AffineTransform(1.0, 2.0))
    assert ET.PowerTransform(2.0) == ET.PowerTransform(2.0)
    assert ET.identity_transform == ET.ComposeTransform([])
    assert repr(ET.identity_transform) == repr(TT.identity_transform)
    assert repr(ET.ExpTransform().inv) == repr(TT.ExpTransform().inv)
    c = ET.ComposeTransform([ET.ExpTransform(), ET.AffineTransform(0.0, 2.0)])
    assert isinstance(c.inv, ET.ComposeTransform) and c.inv.inv is c


def _lib(C):
    return ember if C is EC else torch


CONSTRAINTS = [
    ("real", lambda C: C.real, (2, 3)),
    ("positive", lambda C: C.positive, (2, 3)),
    ("nonnegative", lambda C: C.nonnegative, (2, 3)),
    ("greater_than", lambda C: C.greater_than(1.5), (2, 3)),
    ("greater_than_eq", lambda C: C.greater_than_eq(-1.0), (2, 3)),
    ("less_than", lambda C: C.less_than(2.0), (2, 3)),
    ("unit_interval", lambda C: C.unit_interval, (2, 3)),
    ("interval", lambda C: C.interval(-1.0, 3.0), (2, 3)),
    ("half_open_interval", lambda C: C.half_open_interval(0.0, 2.0), (2, 3)),
    ("real_vector", lambda C: C.real_vector, (2, 3)),
    ("independent", lambda C: C.independent(C.positive, 1), (2, 3)),
    ("simplex", lambda C: C.simplex, (2, 3)),
    ("lower_cholesky", lambda C: C.lower_cholesky, (2, 3, 3)),
    ("positive_definite", lambda C: C.positive_definite, (2, 3, 3)),
    ("positive_semidefinite", lambda C: C.positive_semidefinite, (2, 3, 3)),
    ("greater_than_tensor", lambda C: C.greater_than(_lib(C).tensor([0.5, -1.0, 2.0], dtype=_lib(C).float64)), (2, 3)),
    ("interval_tensor", lambda C: C.interval(_lib(C).tensor([0.0, -1.0, 2.0], dtype=_lib(C).float64),
                                             _lib(C).tensor([1.0, 4.0, 2.5], dtype=_lib(C).float64)), (2, 3)),
    ("integer_interval", lambda C: C.integer_interval(0, 3), (2, 3)),
    ("boolean", lambda C: C.boolean, (2, 3)),
    ("lower_triangular", lambda C: C.lower_triangular, (2, 3, 3)),
    ("corr_cholesky", lambda C: C.corr_cholesky, (2, 3, 3)),
    ("cat", lambda C: C.cat([C.positive, C.real], 1, [2, 1]), (2, 3)),
    ("stack", lambda C: C.stack([C.positive, C.unit_interval, C.real], 1), (2, 3)),
]


@pytest.mark.parametrize("name,make,shape", CONSTRAINTS, ids=[c[0] for c in CONSTRAINTS])
@pytest.mark.parametrize("registry", ["biject_to", "transform_to"])
def test_constraint_registry_round_trip(name, make, shape, registry):
    ce, ct = make(EC), make(TC)
    reg_e = biject_to if registry == "biject_to" else transform_to
    reg_t = getattr(torch.distributions, registry)
    try:
        tt = reg_t(ct)
    except NotImplementedError as exc:
        with pytest.raises(NotImplementedError, match=f"^{exc}$"):
            reg_e(ce)
        return
    te = reg_e(ce)
    assert repr(te) == repr(tt)
    rng = np.random.RandomState(0)
    ushape = tt.inverse_shape(torch.Size(shape))
    u = rng.randn(*ushape)
    ye, yt = te(ember.tensor(u)), tt(torch.tensor(u))
    _close(ye, yt, rtol=1e-8)
    assert bool(ce.check(ye).all())
    if tt.bijective:
        _close(te.inv(ye), tt.inv(yt), rtol=1e-6, atol=1e-8)
        _close(te.log_abs_det_jacobian(ember.tensor(u), ye), tt.log_abs_det_jacobian(torch.tensor(u), yt))


def test_registry_register_and_errors():
    class MyConstraint(EC.Constraint):
        pass

    with pytest.raises(NotImplementedError):
        biject_to(MyConstraint())
    biject_to.register(MyConstraint, lambda c: ET.ExpTransform())
    assert isinstance(biject_to(MyConstraint()), ET.ExpTransform)
    with pytest.raises(NotImplementedError) as ee:
        biject_to(EC.boolean)
    with pytest.raises(NotImplementedError) as et:
        torch.distributions.biject_to(TC.boolean)
    assert str(ee.value) == str(et.value)


def _sac(lib, loc, log_std, dtype):
    D = torch.distributions if lib is torch else None
    mu = lib.tensor(loc, dtype=dtype, requires_grad=True)
    ls = lib.tensor(log_std, dtype=dtype, requires_grad=True)
    T = (lambda n, *a: getattr(TT, n)(*a)) if lib is torch else (lambda n, *a: getattr(ET, n)(*a))
    base = D.Normal(mu, ls.exp()) if lib is torch else Normal(mu, ls.exp())
    TD = D.TransformedDistribution if lib is torch else TransformedDistribution
    d = TD(base, [T("TanhTransform", 1), T("AffineTransform", lib.tensor([0.5, -1.0], dtype=dtype),
                                           lib.tensor([2.0, 1.5], dtype=dtype))])
    return d, mu, ls


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_sac_policy_tanh_affine(dtype):
    loc, log_std = np.array([[0.2, -0.4], [1.0, 0.3]]), np.array([[-0.5, 0.1], [0.3, -1.0]])
    de, mue, lse = _sac(ember, loc, log_std, getattr(ember, dtype))
    dt, mut, lst = _sac(torch, loc, log_std, getattr(torch, dtype))
    rtol, atol = (1e-9, 1e-10) if dtype == "float64" else (2e-5, 2e-5)
    assert de.batch_shape == dt.batch_shape and de.event_shape == dt.event_shape
    assert de.has_rsample == dt.has_rsample
    assert repr(de.support) == repr(dt.support)
    ember.manual_seed(11)
    torch.manual_seed(11)
    ae, at = de.rsample((3,)), dt.rsample((3,))
    _close(ae, at, rtol=rtol, atol=atol)
    lpe, lpt = de.log_prob(ae), dt.log_prob(at)
    _close(lpe, lpt, rtol=rtol * 10, atol=atol * 10)
    (lpe.sum() + ae.pow(2).sum()).backward()
    (lpt.sum() + at.pow(2).sum()).backward()
    _close(mue.grad, mut.grad, rtol=rtol * 100, atol=atol * 100)
    _close(lse.grad, lst.grad, rtol=rtol * 100, atol=atol * 100)
    ember.manual_seed(2)
    torch.manual_seed(2)
    _close(de.sample((4,)), dt.sample((4,)), rtol=rtol, atol=atol)


def test_transformed_distribution_cdf_icdf_expand():
    def make(lib):
        N = torch.distributions.Normal if lib is torch else Normal
        TD = torch.distributions.TransformedDistribution if lib is torch else TransformedDistribution
        T = TT if lib is torch else ET
        base = N(lib.tensor([0.0, 1.0], dtype=lib.float64), lib.tensor([1.0, 0.5], dtype=lib.float64))
        return TD(base, [T.ExpTransform(), T.AffineTransform(1.0, -2.0)])  # decreasing
    de, dt = make(ember), make(torch)
    v = np.array([-3.0, -0.5])
    _close(de.cdf(ember.tensor(v)), dt.cdf(torch.tensor(v)))
    q = np.array([0.3, 0.8])
    _close(de.icdf(ember.tensor(q)), dt.icdf(torch.tensor(q)), rtol=1e-10)
    ee, et = de.expand((3, 2)), dt.expand((3, 2))
    assert ee.batch_shape == et.batch_shape
    _close(ee.log_prob(ember.tensor(v)), et.log_prob(torch.tensor(v)))
    assert repr(de) == repr(dt)
    with pytest.raises(ValueError) as ve:
        de.log_prob(ember.tensor([2.0, 0.0]))
    with pytest.raises(ValueError) as vt:
        dt.log_prob(torch.tensor([2.0, 0.0]))
    assert str(ve.value).replace("ember", "torch") == str(vt.value)
    # event dims from a transform that raises them
    N = Normal(ember.zeros(2, 3), ember.ones(2, 3))
    Nt = torch.distributions.Normal(torch.zeros(2, 3), torch.ones(2, 3))
    e2 = TransformedDistribution(N, [ET.StickBreakingTransform()])
    t2 = torch.distributions.TransformedDistribution(Nt, [TT.StickBreakingTransform()])
    assert e2.batch_shape == t2.batch_shape and e2.event_shape == t2.event_shape
    ember.manual_seed(5)
    torch.manual_seed(5)
    s_e, s_t = e2.sample((2,)), t2.sample((2,))
    _close(s_e, s_t, rtol=1e-5, atol=1e-6)
    _close(e2.log_prob(s_e), t2.log_prob(s_t), rtol=1e-5, atol=1e-5)


def _lib_parts(lib):
    if lib is torch:
        return torch, torch.distributions.Normal, torch.distributions.TransformedDistribution, TT
    return ember, Normal, TransformedDistribution, ET


# each builds something from (lib, Normal, TransformedDistribution, transforms module); the repr of the
# result, or the type and message of the error, must agree with torch's
BEHAVIOURS = [
    lambda L, N, TD, T: TD(N(L.zeros(3), L.ones(3)), 5),
    lambda L, N, TD, T: TD(N(L.zeros(3), L.ones(3)), [5]),
    lambda L, N, TD, T: TD(N(L.zeros(3), L.ones(3)), [T.ReshapeTransform((4,), (2, 2))]),
    lambda L, N, TD, T: TD(N(L.zeros(4), L.ones(4)), [T.ReshapeTransform((4,), (2, 2))]).event_shape,
    lambda L, N, TD, T: TD(N(L.zeros(5, 4), L.ones(4)), [T.ReshapeTransform((4,), (2, 2))]).batch_shape,
    lambda L, N, TD, T: TD(N(L.zeros(()), L.ones(())), [T.StickBreakingTransform()]),
    lambda L, N, TD, T: T.ReshapeTransform((4,), (3,)),
    lambda L, N, TD, T: T.ReshapeTransform((4,), (2, 2)).forward_shape((3,)),
    lambda L, N, TD, T: T.ReshapeTransform((4,), (2, 2)).forward_shape((5, 4)),
    lambda L, N, TD, T: T.StickBreakingTransform().forward_shape((5, 4)),
    lambda L, N, TD, T: T.StickBreakingTransform().inverse_shape(L.Size((5, 4))),
    lambda L, N, TD, T: T.CorrCholeskyTransform().forward_shape((6,)),
    lambda L, N, TD, T: T.CorrCholeskyTransform().inverse_shape((3, 3)),
    lambda L, N, TD, T: T.CorrCholeskyTransform().forward_shape((5,)),
    lambda L, N, TD, T: T.AffineTransform(L.zeros(2, 3), L.ones(3), event_dim=1).forward_shape((3,)),
    lambda L, N, TD, T: T.PowerTransform(L.ones(3)).inverse_shape((2, 1)),
    lambda L, N, TD, T: T.CatTransform([T.ExpTransform()], 0, [1, 2]),
    lambda L, N, TD, T: T.CatTransform([T.ExpTransform(), 3], 0),
    lambda L, N, TD, T: T.CatTransform([T.ExpTransform(), T.ExpTransform()], 0, [1, 2])(L.ones(4)),
    lambda L, N, TD, T: T.CatTransform([T.ExpTransform(), T.ExpTransform()], 1, [1, 2])(L.ones(3)),
    lambda L, N, TD, T: T.CatTransform([T.ExpTransform(), T.ExpTransform()], 0, [1, 2]).inv(L.ones(4)),
    lambda L, N, TD, T: T.CatTransform([T.ExpTransform(), T.ExpTransform()], 0, [1, 2]).log_abs_det_jacobian(
        L.ones(3), L.ones(4)),
    lambda L, N, TD, T: T.StackTransform([T.ExpTransform(), T.ExpTransform()], 0)(L.ones(3)),
    lambda L, N, TD, T: T.StackTransform([T.ExpTransform(), T.ExpTransform()], 2).inv(L.ones(2)),
    lambda L, N, TD, T: T.StackTransform([T.ExpTransform()], 1).log_abs_det_jacobian(L.ones(2, 1), L.ones(2, 1)),
    lambda L, N, TD, T: T.PowerTransform(2.0).sign,
    lambda L, N, TD, T: T.AbsTransform().inv(L.tensor([1.0, 2.0])),
    lambda L, N, TD, T: T.SoftmaxTransform().inv(L.tensor([0.2, 0.8])),
    lambda L, N, TD, T: T.LowerCholeskyTransform().inv(L.tensor([[1.0, 0.0], [0.5, 2.0]])),
    lambda L, N, TD, T: T.PositiveDefiniteTransform().inv(L.tensor([[2.0, 0.5], [0.5, 2.0]])),
    lambda L, N, TD, T: repr(T.ComposeTransform([T.ExpTransform(), T.SigmoidTransform().inv])),
    lambda L, N, TD, T: repr(T.IndependentTransform(T.ExpTransform(), 2)),
    lambda L, N, TD, T: T.IndependentTransform(T.ExpTransform(), 1).log_abs_det_jacobian(L.ones(2, 3), L.ones(2, 3)),
    lambda L, N, TD, T: T.ComposeTransform([T.ExpTransform(), T.ExpTransform()], cache_size=1)._cache_size,
    lambda L, N, TD, T: T.ComposeTransform([T.ExpTransform(), T.SoftmaxTransform()]).codomain,
    lambda L, N, TD, T: T.ComposeTransform([T.ExpTransform(), T.SoftmaxTransform()]).domain,
    lambda L, N, TD, T: T.ComposeTransform([T.SoftmaxTransform(), T.ExpTransform()]).codomain,
    lambda L, N, TD, T: T.CumulativeDistributionTransform(N(0.0, 1.0)).codomain,
    lambda L, N, TD, T: T.CumulativeDistributionTransform(N(0.0, 1.0)).sign,
    lambda L, N, TD, T: T.ExpTransform() == 3,
    lambda L, N, TD, T: T.AffineTransform(0.0, L.tensor([1.0, -2.0])).sign,
    lambda L, N, TD, T: T.TanhTransform().with_cache(1)(L.tensor([0.5])),
    lambda L, N, TD, T: T.Transform().inv,
    lambda L, N, TD, T: T.Transform()(L.ones(2)),
    lambda L, N, TD, T: T.ExpTransform().event_dim,
    lambda L, N, TD, T: T.Transform(cache_size=1).with_cache(0),
    lambda L, N, TD, T: TD(N(L.zeros(3), L.ones(3)), T.ExpTransform()).transforms,
    lambda L, N, TD, T: TD(N(L.zeros(3), L.ones(3)), [T.ExpTransform()]).rsample((2,)).shape,
    lambda L, N, TD, T: TD(N(L.zeros(3), L.ones(3)), [T.ExpTransform()]).has_rsample,
    lambda L, N, TD, T: TD(N(L.zeros(3), L.ones(3)), [T.AbsTransform()]).cdf(L.ones(3)),
    lambda L, N, TD, T: TD(N(L.zeros(3), L.ones(3)), [T.ExpTransform()]).support,
    lambda L, N, TD, T: TD(N(L.zeros(3), L.ones(3)), [T.StickBreakingTransform()]).support,
    lambda L, N, TD, T: TD(N(L.zeros(3), L.ones(3)), [T.ExpTransform()]).mean,
]


@pytest.mark.parametrize("i", range(len(BEHAVIOURS)))
def test_behaviour_matches_torch(i):
    out = []
    for lib in (torch, ember):
        try:
            r = repr(BEHAVIOURS[i](*_lib_parts(lib))).replace("torch.", "").replace("ember.", "")
        except Exception as exc:  # noqa: BLE001 - comparing the error itself
            r = f"{type(exc).__name__}: {exc}"
        out.append(r)
    assert out[1] == out[0]
