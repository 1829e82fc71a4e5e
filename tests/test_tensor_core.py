"""Oracle tests for the Tensor core: dtypes and promotion, factories, storage, casts, errors."""
import itertools

import numpy as np
import pytest

import ember
from tests._oracle import torch, requires_torch

pytestmark = requires_torch

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
          "float64", "complex64", "complex128"]


def E(name):
    return getattr(ember, name)


def T(name):
    return getattr(torch, name)


def _arr(dtype, shape=(3,), seed=0):
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 5, size=shape)
    return a


def pair(dtype, shape=(3,), seed=0):
    a = _arr(dtype, shape, seed)
    return ember.tensor(a.tolist(), dtype=E(dtype)), torch.tensor(a.tolist(), dtype=T(dtype))


def same(e, t, tol=None):
    assert e.shape == tuple(t.shape), (e.shape, t.shape)
    assert repr(e.dtype) == repr(t.dtype), (e.dtype, t.dtype)
    tn = t.detach().float().numpy() if t.dtype == torch.bfloat16 else t.detach().numpy()
    en = e.detach().float().numpy() if e.dtype is ember.bfloat16 else e.detach().numpy()
    if tol is None:
        tol = 1e-2 if t.dtype in (torch.float16, torch.bfloat16) else 1e-6
    np.testing.assert_allclose(en, tn, rtol=tol, atol=tol, equal_nan=True)


# ---- promotion ---------------------------------------------------------------------------------
@pytest.mark.parametrize("a,b", list(itertools.product(DTYPES, DTYPES)))
def test_promote_types_matches_torch(a, b):
    assert repr(ember.promote_types(E(a), E(b))) == repr(torch.promote_types(T(a), T(b)))


@pytest.mark.parametrize("a,b", list(itertools.product(DTYPES, DTYPES)))
def test_binary_result_dtype_tensor_and_zero_dim(a, b):
    ea, ta = pair(a)
    eb0, tb0 = ember.tensor(2, dtype=E(b)), torch.tensor(2, dtype=T(b))
    if (ta * tb0).dtype == torch.complex32:
        # ember has no complex32 (NumPy has no such dtype): it computes in complex64
        assert (ea * eb0).dtype is ember.complex64
    else:
        assert repr((ea * eb0).dtype) == repr((ta * tb0).dtype)
    eb, tb = pair(b, seed=1)
    assert repr((ea * eb).dtype) == repr((ta * tb).dtype)


@pytest.mark.parametrize("a", DTYPES)
@pytest.mark.parametrize("scalar", [2, 2.5, True, 1 + 2j])
def test_python_scalars_are_weak(a, scalar):
    ea, ta = pair(a)
    if a == "bool" and scalar is True:
        return
    if (ta * scalar).dtype == torch.complex32:  # no complex32 in ember: complex64 instead
        assert (ea * scalar).dtype is ember.complex64
        return
    same(ea * scalar, ta * scalar)
    same(scalar * ea, scalar * ta)


@pytest.mark.parametrize("a,b", [("int64", "int64"), ("int32", "int16"), ("uint8", "bool")])
def test_integer_true_division_is_float(a, b):
    ea, ta = pair(a)
    eb, tb = pair(b, seed=3)
    same(ea / eb, ta / tb)


def test_seed_double_times_short():
    p64 = ember.rand(5, dtype=ember.double)
    ps = p64.to(ember.short)
    r = p64 * ps
    assert r.dtype is ember.float64
    assert repr(r) == "tensor([0., 0., 0., 0., 0.], dtype=torch.float64)"


def test_result_type_and_can_cast():
    assert ember.result_type(ember.tensor([1, 2]), 1.0) is ember.float32
    assert ember.can_cast(ember.float32, ember.int32) == torch.can_cast(torch.float32, torch.int32)
    assert ember.can_cast(ember.int32, ember.float32) == torch.can_cast(torch.int32, torch.float32)


def test_set_default_dtype():
    try:
        ember.set_default_dtype(ember.float64)
        assert ember.tensor([1.0]).dtype is ember.float64
        assert (ember.tensor([1, 2]) / 2).dtype is ember.float64
    finally:
        ember.set_default_dtype(ember.float32)
    with pytest.raises(TypeError):
        ember.set_default_dtype(ember.int64)


def test_dtype_aliases_and_info():
    assert ember.float is ember.float32 and ember.double is ember.float64 and ember.half is ember.float16
    assert ember.short is ember.int16 and ember.int is ember.int32 and ember.long is ember.int64
    assert ember.cfloat is ember.complex64 and ember.cdouble is ember.complex128
    assert repr(ember.float32) == "torch.float32"
    for d in ("float16", "bfloat16", "float32", "float64"):
        assert ember.finfo(E(d)).eps == torch.finfo(T(d)).eps
        assert ember.finfo(E(d)).max == torch.finfo(T(d)).max
    for d in ("uint8", "int8", "int16", "int32", "int64"):
        assert (ember.iinfo(E(d)).min, ember.iinfo(E(d)).max) == (torch.iinfo(T(d)).min, torch.iinfo(T(d)).max)


# ---- factories ---------------------------------------------------------------------------------
@pytest.mark.parametrize("data", [[1, 2, 3], [1.0, 2], [True, False], [[1, 2], [3, 4]], 3, 2.5, True,
                                  [1 + 2j, 3], [], [[]]])
def test_tensor_infers_dtype_like_torch(data):
    same(ember.tensor(data), torch.tensor(data))


def test_tensor_ragged_raises_value_error():
    with pytest.raises(ValueError, match="expected sequence of length 2 at dim 1"):
        ember.tensor([[1, 2], [3]])


@pytest.mark.parametrize("call", [
    "zeros(3, 2)", "zeros((3, 2))", "ones(2, 3, dtype={m}.double)", "full((2, 2), 7)", "full((2,), 1.5)",
    "full((2,), True)", "arange(5)", "arange(1, 4, 0.5)", "arange(0, 1, 0.1)", "arange(10, 0, -3)",
    "linspace(0, 1, 5)", "linspace(-2, 7, 11)", "logspace(0, 3, 4)", "eye(3)", "eye(2, 4)",
    "empty(0, 3)", "zeros_like({m}.ones(2, dtype={m}.int32))", "ones_like({m}.zeros(2, 2))",
    "full_like({m}.zeros(3), 4)", "arange(5, dtype={m}.float64)", "linspace(0, 10, 5, dtype={m}.int64)",
])
def test_factories_match_torch(call):
    e = eval("ember." + call.format(m="ember"))
    t = eval("torch." + call.format(m="torch"))
    same(e, t)


def test_new_methods_keep_dtype():
    x = ember.zeros(2, dtype=ember.float64)
    assert x.new_zeros(3).dtype is ember.float64
    assert x.new_ones((2, 2)).shape == (2, 2)
    assert x.new_full((2,), 3).tolist() == [3.0, 3.0]
    assert x.new_tensor([1, 2]).dtype is ember.float64


def test_from_numpy_shares_memory_and_numpy_round_trip():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = ember.from_numpy(a)
    a[0, 0] = 42
    assert t[0, 0].item() == 42
    t[1, 2] = -1
    assert a[1, 2] == -1
    assert t.numpy() is a or np.shares_memory(t.numpy(), a)
    assert np.asarray(t).shape == (2, 3)
    pts = ember.ones(3, 4)
    n = pts.numpy()
    assert n.dtype == np.float32
    assert ember.from_numpy(n).data_ptr() == pts.data_ptr()


def test_numpy_refuses_grad_tensors():
    t = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="Can't call numpy\\(\\) on Tensor that requires grad"):
        t.numpy()


def test_item_float_int_bool_len_iter():
    t = ember.tensor([[1.5, 2.0], [3.0, 4.0]])
    assert float(t[0, 0]) == 1.5 and int(t[1, 1]) == 4 and bool(t[0, 0])
    assert len(t) == 2
    assert [r.tolist() for r in t] == [[1.5, 2.0], [3.0, 4.0]]
    with pytest.raises(RuntimeError, match="a Tensor with 4 elements cannot be converted to Scalar"):
        t.item()
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
        bool(t)
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(ember.tensor(1.0))


# ---- storage, strides, views -------------------------------------------------------------------
def test_storage_seed_behaviour():
    points = ember.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]])
    st = points.storage()
    assert st[0] == 4.0 and points.storage()[1] == 1.0 and len(st) == 6
    st[0] = 2.0
    assert points.tolist() == [[2.0, 1.0], [5.0, 3.0], [2.0, 1.0]]
    tp = torch.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]])
    assert repr(ember.tensor([[4.0, 1.0], [5.0, 3.0], [2.0, 1.0]]).storage()) == repr(tp.storage())
    second = points[1]
    assert second.storage_offset() == 2 and second.size() == (2,) and points.stride() == (2, 1)
    second[0] = 10.0
    assert points[1, 0].item() == 10.0
    pt = points.t()
    assert pt.stride() == (1, 2) and not pt.is_contiguous()
    assert pt.untyped_storage().data_ptr() == points.untyped_storage().data_ptr()
    ptc = pt.contiguous()
    assert ptc.stride() == (3, 1) and ptc.is_contiguous()
    assert ptc.storage().tolist() == [2.0, 10.0, 2.0, 1.0, 3.0, 1.0]


@pytest.mark.parametrize("expr", [
    "x.t()", "x.transpose(0, 1)", "x[1]", "x[1:, ::2]", "x[None]", "x[..., 1]", "x.unsqueeze(0)",
    "x.unsqueeze(-1)", "x.view(3, 4)", "x.view(-1)", "x.reshape(2, 6)", "x.permute(1, 0)",
    "x.expand(2, 3, 4)", "x[:, None, 1:3]", "x.T", "x.narrow(1, 1, 2)", "x.select(1, 2)",
    "x.flatten()", "x.unflatten(1, (2, 2))", "x.t()[1:].unsqueeze(1)", "x[1:][None].squeeze(0)",
])
def test_view_metadata_matches_torch(expr):
    base = np.arange(12, dtype=np.float32).reshape(3, 4)
    e = eval(expr, {"x": ember.from_numpy(base.copy())})
    t = eval(expr, {"x": torch.from_numpy(base.copy())})
    same(e, t)
    assert e.stride() == t.stride(), (e.stride(), t.stride())
    assert e.storage_offset() == t.storage_offset()
    assert e.is_contiguous() == t.is_contiguous()


def test_seed_exercise_view_offsets():
    a = ember.tensor(list(range(9)))
    assert (a.size(), a.storage_offset(), a.stride()) == ((9,), 0, (1,))
    b = a.view(3, 3)
    assert (b.size(), b.storage_offset(), b.stride()) == ((3, 3), 0, (3, 1))
    c = b[1:, 1:]
    assert (c.size(), c.storage_offset(), c.stride()) == ((2, 2), 4, (3, 1))
    assert repr(ember.cos(a)) == repr(torch.cos(torch.tensor(list(range(9)))))


def test_view_on_incompatible_layout_raises_torch_error():
    x = ember.ones(3, 4).t()
    with pytest.raises(RuntimeError, match="view size is not compatible with input tensor's size and stride"):
        x.view(12)
    assert x.reshape(12).shape == (12,)
    with pytest.raises(RuntimeError, match=r"shape '\[5\]' is invalid for input of size 12"):
        ember.ones(12).view(5)


def test_writes_through_views_reach_every_alias():
    x = ember.zeros(3, 4)
    v = x.t()[1:]
    v[0, 0] = 5
    assert x[0, 1].item() == 5
    x.zero_()
    assert v.sum().item() == 0


# ---- casts ---------------------------------------------------------------------------------------
def test_to_returns_self_when_nothing_changes():
    x = ember.ones(2)
    assert x.to(ember.float32) is x and x.to("cpu") is x and x.cpu() is x
    assert x.to(ember.float64) is not x
    assert x.to(ember.float32, copy=True) is not x


@pytest.mark.parametrize("method,dt", [("float", "float32"), ("double", "float64"), ("half", "float16"),
                                       ("long", "int64"), ("int", "int32"), ("short", "int16"),
                                       ("bool", "bool"), ("byte", "uint8"), ("char", "int8")])
def test_cast_methods(method, dt):
    src = np.array([-1.5, 0.0, 2.7])
    same(getattr(ember.tensor(src), method)(), getattr(torch.tensor(src), method)())


def test_type_strings():
    assert ember.ones(1).type() == "torch.FloatTensor"
    assert ember.ones(1).type(ember.int64).dtype is ember.int64
    assert ember.ones(1).type("torch.DoubleTensor").dtype is ember.float64


def test_inplace_cast_error():
    x = ember.ones(3, dtype=ember.int64)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        x.add_(1.5)
    xt = torch.ones(3, dtype=torch.int64)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        xt.add_(1.5)


# ---- errors --------------------------------------------------------------------------------------
def test_broadcast_error_message_matches_torch():
    with pytest.raises(RuntimeError) as ee:
        ember.ones(3) + ember.ones(4)
    with pytest.raises(RuntimeError) as te:
        torch.ones(3) + torch.ones(4)
    assert str(ee.value) == str(te.value)


def test_index_errors():
    x = ember.ones(3, 2)
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        x[5]
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.sum(3)
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 2"):
        x[0, 0, 0]


def test_bad_dims():
    with pytest.raises(IndexError) as ee:
        ember.ones(2, 3).transpose(0, 2)
    with pytest.raises(IndexError) as te:
        torch.ones(2, 3).transpose(0, 2)
    assert str(ee.value) == str(te.value)


# ---- devices, threads ------------------------------------------------------------------------------
def test_device_objects():
    assert str(ember.device("cuda:0")) == "cuda:0"
    assert repr(ember.device("cpu")) == repr(torch.device("cpu"))
    assert repr(ember.device("cuda", 1)) == repr(torch.device("cuda", 1))
    assert ember.ones(1).device == ember.device("cpu") and ember.ones(1).device.type == "cpu"
    dev = ember.device("cuda:0" if ember.cuda.is_available() else "cpu")
    assert ember.tensor([1.0]).to(dev).device.type == dev.type


def test_cuda_without_gpu_raises_clear_error():
    if ember.cuda.is_available():
        pytest.skip("a GPU is present")
    assert ember.cuda.device_count() == 0
    with pytest.raises(RuntimeError, match="CUDA"):
        ember.ones(2).cuda()
    with pytest.raises(RuntimeError, match="CUDA"):
        ember.tensor([1.0], device="cuda")


def test_threads_round_trip():
    n = ember.get_num_threads()
    ember.set_num_threads(1)
    assert ember.get_num_threads() == 1
    ember.set_num_threads(n)
    assert ember.get_num_threads() == n
