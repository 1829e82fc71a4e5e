"""Shared oracle harness: build the same layer in ember and torch, copy weights, compare."""
import numpy as np

import ember
from tests._oracle import torch

TOL = {np.float64: (1e-10, 1e-12), np.float32: (1e-5, 1e-6)}


def copy_state(tm, em):
    """Load torch module tm's state_dict into ember module em (through numpy)."""
    sd = {k: ember.from_numpy(np.array(v.detach().numpy(), copy=True))
          for k, v in tm.state_dict().items()}
    em.load_state_dict(sd)


def assert_close(e, t, dtype=np.float64, what="", tol=None):
    rtol, atol = tol or TOL[dtype]
    if t is None or e is None:
        assert e is None and t is None, f"{what}: {e} vs {t}"
        return
    ea = e.detach().numpy() if isinstance(e, ember.Tensor) else np.asarray(e)
    ta = t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
    assert ea.shape == ta.shape, f"{what}: shape {ea.shape} vs {ta.shape}"
    assert str(ea.dtype) == str(ta.dtype), f"{what}: dtype {ea.dtype} vs {ta.dtype}"
    np.testing.assert_allclose(ea, ta, rtol=rtol, atol=atol, err_msg=what)


def _flat(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def compare_module(make, inputs, dtype=np.float64, train=True, seed=0, grad=True, check_sd=True,
                   prep=None, nograd=(), tol=None):
    """Run make(torch)/make(ember) with copied weights on the same inputs; compare outputs/grads.

    inputs: list of numpy arrays (floating ones get requires_grad) or other Python values.
    prep: optional fn(lib, tensors) -> tensors applied to the input leaves (e.g. a transpose).
    """
    torch.manual_seed(seed)
    tm = make(torch)
    em = make(ember)
    tdt = torch.float64 if dtype == np.float64 else torch.float32
    edt = ember.float64 if dtype == np.float64 else ember.float32
    tm.to(tdt)
    em.to(edt)
    if check_sd:
        assert list(em.state_dict().keys()) == list(tm.state_dict().keys())
    copy_state(tm, em)
    tm.train(train)
    em.train(train)
    res = {}
    for lib, m in ((torch, tm), (ember, em)):
        leaves = []
        args = []
        for i, a in enumerate(inputs):
            if isinstance(a, np.ndarray):
                t = lib.from_numpy(a.astype(dtype) if a.dtype.kind == "f" else a.copy())
                if a.dtype.kind == "f" and grad and i not in nograd:
                    t.requires_grad_()
                leaves.append(t)
                args.append(t)
            else:
                args.append(a)
        if prep is not None:
            args = prep(lib, args)
        out = m(*args)
        outs = [o for o in _flat(out) if isinstance(o, lib.Tensor)]
        if grad:
            rng = np.random.default_rng(seed + 1)
            diff = [o for o in outs if o.requires_grad]
            ups = [lib.from_numpy(rng.standard_normal(o.shape).astype(dtype)) for o in diff]
            if diff:
                lib.autograd.backward(diff, ups)
        res[lib] = (outs, leaves, m)
    (to, tl, tmod), (eo, el, emod) = res[torch], res[ember]
    assert len(eo) == len(to)
    for i, (a, b) in enumerate(zip(eo, to)):
        if b.dtype.is_floating_point:
            assert_close(a, b, dtype, f"output {i}", tol)
        else:
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    if grad:
        for i, (a, b) in enumerate(zip(el, tl)):
            if b.requires_grad:
                assert_close(a.grad, b.grad, dtype, f"input grad {i}", tol)
        tp = dict(tmod.named_parameters())
        for n, p in emod.named_parameters():
            assert_close(p.grad, tp[n].grad, dtype, f"grad of {n}", tol)
    tb = dict(tmod.named_buffers())
    for n, b in emod.named_buffers():
        if b.dtype.is_floating_point:
            assert_close(b, tb[n], dtype, f"buffer {n}", tol)
        else:
            np.testing.assert_array_equal(b.numpy(), tb[n].numpy())
    return emod, tmod
