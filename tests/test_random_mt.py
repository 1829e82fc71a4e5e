"""torch's CPU random stream: the same seed gives torch's values for every sampler (compared
against torch itself), the generator state is torch's 5056-byte state in both directions, and
in-place samplers fill non-contiguous tensors in memory order as torch does."""
from fractions import Fraction

import numpy as np
import pytest

import ember
from ember import _random_mt as mt
from tests._oracle import requires_torch, torch

pytestmark = requires_torch

F32 = 1e-6  # Box-Muller's log/cos/sin differ from torch's vectorised ones by an ulp or so


def _np(t):
    if str(t.dtype) in ("torch.bfloat16", "torch.float16"):
        t = t.float()
    return t.detach().numpy()


def _both(fn, seed=0):
    torch.manual_seed(seed)
    ember.manual_seed(seed)
    a, b = fn(torch), fn(ember)
    assert tuple(a.shape) == tuple(b.shape)
    assert str(a.dtype) == str(b.dtype)
    return _np(a), _np(b)


EXACT = {
    "rand": lambda t: t.rand(4, 5),
    "rand_f64": lambda t: t.rand(7, dtype=t.float64),
    "rand_f16": lambda t: t.rand(3000, dtype=t.float16),  # rounding up to 1 wraps to 0, as torch
    "rand_bf16": lambda t: t.rand(3000, dtype=t.bfloat16),
    "rand_c64": lambda t: t.rand(5, dtype=t.complex64),
    "uniform_": lambda t: t.empty(300).uniform_(-0.1, 0.7),  # a fused multiply-add in torch
    "uniform_f64": lambda t: t.empty(300, dtype=t.float64).uniform_(-1 / 3, 1 / 7),
    "uniform_T": lambda t: t.empty(7, 5).t().uniform_(-2, 3),  # memory order
    "randint": lambda t: t.randint(-5, 100, (50,)),
    "randint_wide": lambda t: t.randint(-2 ** 40, 5, (50,)),  # two words per draw
    "randint_f32": lambda t: t.randint(3, 10, (6,), dtype=t.float32),
    "randperm": lambda t: t.randperm(20),
    "randperm_large": lambda t: t.randperm(5000),
    "random_i64": lambda t: t.empty(5, dtype=t.int64).random_(),
    "random_u8": lambda t: t.empty(9, dtype=t.uint8).random_(),
    "random_i8": lambda t: t.empty(9, dtype=t.int8).random_(),
    "random_bool": lambda t: t.empty(9, dtype=t.bool).random_(),
    "random_f32": lambda t: t.empty(5).random_(),
    "random_f64": lambda t: t.empty(5, dtype=t.float64).random_(),
    "random_to": lambda t: t.empty(5, dtype=t.int32).random_(10),
    "random_from_to": lambda t: t.empty(5, dtype=t.int32).random_(-5, 5),
    "bernoulli_p": lambda t: t.empty(64).bernoulli_(0.3),  # float64 uniforms
    "bernoulli_tensor32": lambda t: t.bernoulli(t.full((64,), 0.3)),  # uniforms of p's dtype
    "bernoulli_tensor64": lambda t: t.bernoulli(t.full((64,), 0.3, dtype=t.float64)),
    "bernoulli_inplace_tensor": lambda t: t.empty(64, dtype=t.float64).bernoulli_(t.full((64,), 0.6)),
    "geometric_": lambda t: t.empty(50).geometric_(0.3),
    "dropout": lambda t: t.nn.functional.dropout(t.ones(200), 0.3),
    "dropout2d": lambda t: t.nn.functional.dropout2d(t.ones(4, 6, 3, 3), 0.3),
    "Dropout_module": lambda t: t.nn.Dropout(0.5)(t.ones(3, 40)),
    "multinomial_rep": lambda t: t.multinomial(t.tensor([[0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1]]), 20,
                                               replacement=True),
    "multinomial_norep": lambda t: t.multinomial(t.rand(3, 10), 5),
    "generator": lambda t: t.rand(4, generator=t.Generator().manual_seed(7)),
    "fresh_generator": lambda t: t.rand(4, generator=t.Generator()),  # torch's default seed
}


@pytest.mark.parametrize("name", sorted(EXACT))
def test_samplers_match_torch_exactly(name):
    a, b = _both(EXACT[name])
    assert np.array_equal(a, b, equal_nan=True), (a.ravel()[:8], b.ravel()[:8])


CLOSE = {
    "randn_small": lambda t: t.randn(3),  # one at a time: pairs of float64 uniforms
    "randn_17": lambda t: t.randn(17),  # blocks of 16, the tail redone from fresh uniforms
    "randn_blocks": lambda t: t.randn(10, 100),
    "randn_f64": lambda t: t.randn(33, dtype=t.float64),
    "randn_c64": lambda t: t.randn(20, dtype=t.complex64),
    "randn_cache": lambda t: t.cat([t.randn(3), t.randn(1), t.randn(5)]),  # the kept second sample
    "normal_T": lambda t: t.empty(7, 5).t().normal_(1, 2),  # non-contiguous: one at a time
    "normal_slice": lambda t: t.empty(7, 5)[:, 1:4].normal_(1, 2),
    "normal_big": lambda t: t.empty(1000).normal_(1, 2),
    "normal_complex": lambda t: t.empty(3, dtype=t.complex64).normal_(1.0, 2.0),
    "normal_tensor_mean": lambda t: t.normal(t.arange(20.0), 2.0),
    "normal_tensor_std": lambda t: t.normal(1.0, t.arange(30.0)),
    "normal_sizes": lambda t: t.cat([t.normal(2.0, 3.0, (40,)), t.normal(2.0, 3.0, (4,))]),
    "exponential_": lambda t: t.empty(100).exponential_(2.5),
    "log_normal_": lambda t: t.empty(30).log_normal_(),
    "cauchy_": lambda t: t.empty(30).cauchy_(),
    "alpha_dropout": lambda t: t.nn.functional.alpha_dropout(t.ones(40), 0.3, True),
    "linear_init": lambda t: t.cat([t.nn.Linear(20, 30).weight.flatten(), t.nn.Linear(3, 4).bias]),
    "conv_init": lambda t: t.nn.Conv2d(3, 8, 3).weight,
    "kaiming_normal": lambda t: t.nn.init.kaiming_normal_(t.empty(30, 20)),
    "xavier_uniform": lambda t: t.nn.init.xavier_uniform_(t.empty(30, 20)),
    "trunc_normal": lambda t: t.nn.init.trunc_normal_(t.empty(50)),  # rejected normals redrawn
    "trunc_normal_tail": lambda t: t.nn.init.trunc_normal_(t.empty(500), a=2.0, b=3.0),  # uniform proposals
    "trunc_normal_vit": lambda t: t.nn.init.trunc_normal_(t.empty(64, 32), std=0.02),
}


@pytest.mark.parametrize("name", sorted(CLOSE))
def test_samplers_match_torch(name):
    a, b = _both(CLOSE[name])
    np.testing.assert_allclose(b, a, rtol=F32, atol=F32)


@pytest.mark.parametrize("dt", ["float16", "bfloat16"])
def test_half_normals_match_torch(dt):
    # computed in float32 and rounded; uniforms drawn block by block (no extra tail draws)
    a, b = _both(lambda t: t.cat([t.randn(33, dtype=getattr(t, dt)), t.randn(3, dtype=getattr(t, dt))]))
    np.testing.assert_allclose(b, a, rtol=1e-2, atol=1e-2)


def test_seed_wraps_like_torch():
    for seed in (2 ** 40 + 5, -1, 123456789):
        a, b = _both(lambda t: t.rand(3), seed=seed)
        assert np.array_equal(a, b)
        assert ember.initial_seed() == torch.initial_seed()


def test_state_bytes_match_torch():
    # after seeding, after draws, and with a kept Box-Muller sample
    for fn in (lambda t: None, lambda t: t.rand(700), lambda t: t.randn(3)):
        torch.manual_seed(5)
        ember.manual_seed(5)
        fn(torch)
        fn(ember)
        assert np.array_equal(ember.get_rng_state().numpy(), torch.get_rng_state().numpy())


def test_torch_state_loads_and_continues_the_stream():
    torch.manual_seed(3)
    torch.randn(5)  # leaves a kept sample in the state
    torch.rand(1000)
    state = torch.get_rng_state()
    ember.set_rng_state(ember.tensor(state.numpy()))
    want = torch.cat([torch.randn(1), torch.rand(3)]).numpy()
    got = ember.cat([ember.randn(1), ember.rand(3)]).numpy()
    np.testing.assert_allclose(got, want, rtol=F32)
    g = ember.Generator()
    g.set_state(ember.tensor(state.numpy()))
    assert g.initial_seed() == 3


def test_bad_states_are_rejected():
    g = ember.Generator()
    with pytest.raises(RuntimeError, match="CPUGeneratorImplState of size 5056"):
        g.set_state(ember.zeros(48, dtype=ember.uint8))
    with pytest.raises(RuntimeError, match="Invalid mt19937 state"):
        g.set_state(ember.ones(5056, dtype=ember.uint8))


def test_dataloader_shuffle_matches_torch():
    data = list(range(50))
    torch.manual_seed(11)
    ember.manual_seed(11)
    a = [int(x) for b in torch.utils.data.DataLoader(data, batch_size=8, shuffle=True) for x in b]
    b = [int(x) for b in ember.utils.data.DataLoader(data, batch_size=8, shuffle=True) for x in b]
    assert a == b


def test_seeded_model_trains_like_torch():
    # same init, same dropout masks: one training step gives torch's loss and weights
    def run(t):
        t.manual_seed(0)
        net = t.nn.Sequential(t.nn.Linear(8, 16), t.nn.ReLU(), t.nn.Dropout(0.2), t.nn.Linear(16, 3))
        opt = t.optim.SGD(net.parameters(), lr=0.1)
        x, y = t.randn(32, 8), t.randint(0, 3, (32,))
        loss = t.nn.functional.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        return loss.item(), net[3].weight.detach().numpy().copy()
    (la, wa), (lb, wb) = run(torch), run(ember)
    assert abs(la - lb) < 1e-5
    np.testing.assert_allclose(wb, wa, rtol=1e-5, atol=1e-6)


def test_fma_rounds_once():
    rng = np.random.default_rng(0)
    a = rng.random(10000)
    got = mt.fma(a, 0.7999999999999999, -0.1)
    exact = [float(Fraction(x) * Fraction(0.7999999999999999) + Fraction(-0.1)) for x in a[:2000]]
    assert np.array_equal(got[:2000], np.array(exact))
    a32 = a.astype(np.float32)
    ref32 = (a32.astype(np.float64) * np.float64(np.float32(0.3)) + np.float64(np.float32(-2))).astype(np.float32)
    assert np.array_equal(mt.fma(a32, np.float32(0.3), np.float32(-2)), ref32)


def test_generator_clone_state_and_fork_rng():
    g = ember.Generator().manual_seed(4)
    ember.rand(3, generator=g)
    c = g.clone_state()
    assert c is not g and ember.rand(2, generator=c).tolist() == ember.rand(2, generator=g).tolist()
    ember.manual_seed(1)
    with ember.random.fork_rng():
        ember.rand(5)
    torch.manual_seed(1)
    assert ember.rand(2).tolist() == torch.rand(2).tolist()


def test_buffered_scalar_samplers_resync_the_stream():
    # thousands of draws (several buffer refills): same values and the same generator state as torch
    rates = np.linspace(0.5, 40.0, 3000)
    torch.manual_seed(2)
    ember.manual_seed(2)
    np.testing.assert_array_equal(ember.poisson(ember.tensor(rates)).numpy(), torch.poisson(torch.tensor(rates)).numpy())
    conc = np.linspace(0.05, 6.0, 1500)
    np.testing.assert_allclose(ember._standard_gamma(ember.tensor(conc)).numpy(),
                               torch._standard_gamma(torch.tensor(conc)).numpy(), rtol=1e-12)
    assert ember.randn(3).tolist() == torch.randn(3).tolist()  # the kept Box-Muller sample too
    assert np.array_equal(ember.get_rng_state().numpy(), torch.get_rng_state().numpy())
