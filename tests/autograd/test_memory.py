"""Graph lifetime: a long training loop keeps memory flat; deep graphs need no recursion; graphs are
freed after backward; visualisation as DOT text."""
import gc
import sys
import tracemalloc

import numpy as np

import ember


def test_training_loop_memory_is_flat():
    rng = np.random.default_rng(0)
    X = ember.tensor(rng.standard_normal((64, 5)))
    true_w = np.arange(1.0, 6.0)
    Y = ember.tensor(rng.standard_normal((64, 5)) @ np.zeros(5) + X.numpy() @ true_w)
    w = ember.zeros(5, requires_grad=True)
    b = ember.zeros(1, requires_grad=True)
    lr = 0.05

    def step():
        pred = (X * w).sum(1) + b
        loss = ((pred - Y) ** 2).mean()
        loss.backward()
        with ember.no_grad():
            w.sub_(lr * w.grad)
            b.sub_(lr * b.grad)
        w.grad = None
        b.grad = None
        return loss.item()

    for _ in range(50):  # warm caches before measuring
        step()
    gc.collect()
    objs0 = len(gc.get_objects())
    losses = [step() for _ in range(800)]
    # the last 200 of the 1,000 steps run under tracemalloc: whatever they leave alive is a leak
    tracemalloc.start()
    snap0 = tracemalloc.get_traced_memory()[0]
    losses += [step() for _ in range(200)]
    gc.collect()
    snap1 = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    objs1 = len(gc.get_objects())
    assert losses[-1] < 1e-6 < losses[0]  # it actually trained
    assert objs1 - objs0 < 50, f"gc objects grew by {objs1 - objs0}"
    assert snap1 - snap0 < 16 * 1024, f"traced memory grew by {snap1 - snap0} bytes"


def test_graph_freed_without_gc():
    # No reference cycles: the graph dies with its last tensor, even with gc disabled.
    import weakref
    gc.disable()
    try:
        x = ember.ones(3, requires_grad=True)
        y = (x.exp() * x).sin().sum()
        ref = weakref.ref(y.grad_fn)
        y.backward()
        del y
        assert ref() is None
        z = (x * 2).sum()
        ref2 = weakref.ref(z.grad_fn)
        del z
        assert ref2() is None
    finally:
        gc.enable()


def test_saved_tensors_released_after_backward():
    x = ember.ones(1000, dtype=ember.float64, requires_grad=True)
    y = x.sin()
    node = y.grad_fn
    y.sum().backward()
    assert node._saved is None


def test_deep_chain_no_recursion_limit():
    x = ember.tensor([1.0, 2.0], dtype=ember.float64, requires_grad=True)
    y = x
    n = 5000
    assert n > sys.getrecursionlimit() // 2
    for _ in range(n):
        y = y * 1.0001 + 0.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(2, 1.0001 ** n), rtol=1e-9)
    del y
    gc.collect()


def test_deep_chain_double_backward():
    x = ember.tensor([0.5], dtype=ember.float64, requires_grad=True)
    y = x
    for _ in range(2000):
        y = y * 1.0
    (g,) = ember.autograd.grad((y * y).sum(), x, create_graph=True)
    (gg,) = ember.autograd.grad(g.sum(), x)
    assert gg.tolist() == [2.0]


def test_to_dot():
    from ember.autograd.graph import to_dot
    w = ember.ones(3, requires_grad=True)
    b = ember.zeros(1, requires_grad=True)
    x = ember.tensor([1.0, 2.0, 3.0])
    loss = ((x * w).sum() + b).exp().sum()
    dot = to_dot(loss, {"w": w, "b": b})
    assert dot.startswith("digraph backward {") and dot.rstrip().endswith("}")
    for name in ("SumBackward0", "ExpBackward0", "AddBackward0", "MulBackward0", 'w\\n(3)', 'b\\n(1)'):
        assert name in dot, name
    assert dot.count("->") == 6  # sum->exp->add->{sum->mul->w, b}
    assert "no grad_fn" in to_dot(ember.ones(2))
