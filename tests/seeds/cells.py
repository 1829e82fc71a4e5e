"""The seeds' code cells and the output each one shows: ember's first acceptance test.

Seed 004 (/work/shared/seeds/004_*.txt), chapter 3 "텐서 구조체", and seed 000 (000_*.txt),
section 2 "텐서(Tensor)": notes on "Deep Learning with PyTorch" ch. 1-3. Every code cell of those
sections is listed below in the seed's order, with the text the notebook shows for it: what the cell
printed, then the repr of its last expression (IPython's display; for these short values IPython's
pretty printer and ``repr`` give the same text). ``""`` means the cell shows nothing.

The expected text is the seed's text, except where the seed's output comes from an older torch:

* storage footer: the seeds show ``[torch.FloatStorage of size 6]`` (000) and
  ``[torch.storage._TypedStorage(dtype=torch.float32, device=cpu) of size 6]`` (004); torch 2.13
  prints ``[torch.storage.TypedStorage(dtype=torch.float32, device=cpu) of size 6]``, which is
  expected here (STORAGE_FOOTER). Seed 000 also lost the leading space of each storage line.
* ``id(x.storage()) == id(y.storage())`` compares ids of temporaries: the answer is a CPython
  allocation accident (True in seed 000, False in torch 2.13), so only ``bool`` is checked there
  (kind "bool"); an added cell checks what the seed means (same memory, via ``data_ptr``).
* random values (``torch.randn``/``torch.rand``) are never compared; added cells check shape/dtype.
* named tensors: torch 2.13 no longer has them, so the seed's printed output and error text are the
  spec (kind "spec": not checked against the torch oracle).

Cells marked ``added=True`` are not in the seed: checks that make a silent cell (save/load, randn)
testable, or the one state fix-up the seed's own outputs imply (cells run out of order).
"""
from __future__ import annotations

from dataclasses import dataclass
from textwrap import dedent
from typing import Optional


@dataclass(frozen=True)
class Cell:
    """One notebook cell: code, the output it shows, and how to compare."""

    code: str
    expected: str = ""
    kind: str = "exact"  # "exact" | "error" ("Type: message") | "bool" | "spec" (seed is the spec)
    needs: Optional[str] = None  # "cuda" | "h5py": run only when available
    skip: Optional[str] = None  # never run, with this reason
    added: bool = False  # not in the seed (see module docstring)
    where: str = ""  # section in the seed


def _c(code: str, expected: str = "", **kw) -> Cell:
    return Cell(dedent(code).strip("\n"), dedent(expected).strip("\n"), **kw)


STORAGE_FOOTER = "[torch.storage.TypedStorage(dtype=torch.float32, device=cpu) of size 6]"
CUDA_STORAGE_FOOTER = "[torch.storage.TypedStorage(dtype=torch.float32, device=cuda:0) of size 6]"


def _storage(*values: str, footer: str = STORAGE_FOOTER) -> str:
    return "\n".join(" " + v for v in values) + "\n" + footer


POINTS = """\
tensor([[4., 1.],
        [5., 3.],
        [2., 1.]])"""
POINTS_T = """\
tensor([[4., 5., 2.],
        [1., 3., 1.]])"""
ONES_3x4 = """\
tensor([[1., 1., 1., 1.],
        [1., 1., 1., 1.],
        [1., 1., 1., 1.]])"""
POINTS_LITERAL = """\
points = torch.tensor([
    [4., 1.],
    [5., 3.],
    [2., 1.]
])"""

# ---------------------------------------------------------------------------------------------
# Seed 004, chapter 3 (in order). Chapter 2 (pretrained models, torchvision, hub, PIL) is not a
# tensor chapter and is left out as a whole.
# ---------------------------------------------------------------------------------------------
SEED_004 = [
    # 3.2.1
    _c("a = [1.0, 2.0, 1.0]\na[2] = 3.0\na", "[1.0, 2.0, 3.0]", where="3.2.1"),
    # 3.2.2
    _c("# 크기가 3이고 1.0으로 채워진 텐서\na = torch.ones(3)\na", "tensor([1., 1., 1.])", where="3.2.2"),
    # 3.2.3
    _c("""
        points = torch.zeros(6)

        points[0] = 4.0
        points[1] = 1.0
        points[2] = 5.0
        points[3] = 3.0
        points[4] = 2.0
        points[5] = 1.0
        """, where="3.2.3"),
    _c("points", "tensor([4., 1., 5., 3., 2., 1.])", where="3.2.3"),
    _c("# 생성자에 파이썬 리스트를 넘겨도 됨\npoints = torch.tensor([4.0, 1.0, 5.0, 3.0, 2.0, 1.0])\npoints",
       "tensor([4., 1., 5., 3., 2., 1.])", where="3.2.3"),
    _c("float(points[0]), float(points[1])", "(4.0, 1.0)", where="3.2.3"),
    _c("# 2차원 텐서\n" + POINTS_LITERAL + "\npoints", POINTS, where="3.2.3"),
    _c("points.shape", "torch.Size([3, 2])", where="3.2.3"),
    _c("points = torch.zeros(3, 2)\npoints", """
        tensor([[0., 0.],
                [0., 0.],
                [0., 0.]])""", where="3.2.3"),
    # 3.3
    _c("some_list = list(range(6))\nsome_list[:]", "[0, 1, 2, 3, 4, 5]", where="3.3"),
    # The seed's next outputs show `points` holding the 2-D literal again (the notebook's cells ran
    # out of order after `points = torch.zeros(3, 2)`); restore that state explicitly.
    _c(POINTS_LITERAL, added=True, where="3.3"),
    _c("points[1:]", """
        tensor([[5., 3.],
                [2., 1.]])""", where="3.3"),
    _c("points[1:, :]", """
        tensor([[5., 3.],
                [2., 1.]])""", where="3.3"),
    _c("# 첫 번째 이후 모든 행에 대해 첫 번째 열만 포함\npoints[1:, 0]", "tensor([5., 2.])", where="3.3"),
    _c("# 길이가 1인 차원을 추가, unsqueeze와 동일\npoints[None]", """
        tensor([[[4., 1.],
                 [5., 3.],
                 [2., 1.]]])""", where="3.3"),
    # 3.4 named tensors
    _c("img_t = torch.randn(3, 5, 5) # [채널 크기, 행 크기, 열 크기]\n"
       "weights = torch.tensor([0.2126, 0.7152, 0.0722])", where="3.4"),
    _c("img_t.shape, img_t.dtype, weights.dtype",
       "(torch.Size([3, 5, 5]), torch.float32, torch.float32)", added=True, where="3.4"),
    _c("batch_t = torch.randn(2, 3, 5, 5) # [채널 크기, 행 크기, 열 크기]", where="3.4"),
    _c("batch_t.shape, batch_t.dtype", "(torch.Size([2, 3, 5, 5]), torch.float32)", added=True, where="3.4"),
    _c("""
        img_gray_naive = img_t.mean(-3)
        batch_gray_naive = batch_t.mean(-3)
        img_gray_naive.shape, batch_gray_naive.shape""",
       "(torch.Size([5, 5]), torch.Size([2, 5, 5]))", where="3.4"),
    _c("""
        unsqueezed_weights = weights.unsqueeze(-1).unsqueeze(-1)

        img_weights = (img_t * unsqueezed_weights)
        batch_weights = (batch_t * unsqueezed_weights)

        img_gray_weighted = img_weights.sum(-3)
        batch_gray_weighted = batch_weights.sum(-3)

        batch_weights.shape, batch_t.shape, unsqueezed_weights.shape""",
       "(torch.Size([2, 3, 5, 5]), torch.Size([2, 3, 5, 5]), torch.Size([3, 1, 1]))", where="3.4"),
    _c("""
        img_gray_weighted_fancy = torch.einsum("...chw, c->...hw", img_t, weights)
        batch_gray_weighted_fancy = torch.einsum("...chw, c->...hw", batch_t, weights)

        batch_gray_weighted_fancy.shape""", "torch.Size([2, 5, 5])", where="3.4"),
    _c("torch.allclose(batch_gray_weighted_fancy, batch_gray_weighted, atol=1e-6)", "True",
       added=True, where="3.4"),
    _c('weights_named = torch.tensor([0.2126, 0.7152, 0.0722], names=["channels"])\nweights_named',
       "tensor([0.2126, 0.7152, 0.0722], names=('channels',))", kind="spec", where="3.4"),
    _c("""
        img_named = img_t.refine_names(..., "channels", "rows", "columns")
        batch_named = batch_t.refine_names(..., "channels", "rows", "columns")

        print(f"img named: {img_named.shape} {img_named.names}")
        print(f"batch named: {batch_named.shape} {batch_named.names}")""", """
        img named: torch.Size([3, 5, 5]) ('channels', 'rows', 'columns')
        batch named: torch.Size([2, 3, 5, 5]) (None, 'channels', 'rows', 'columns')""",
       kind="spec", where="3.4"),
    _c("weights_aligned = weights_named.align_as(img_named)\nweights_aligned.shape, weights_aligned.names",
       "(torch.Size([3, 1, 1]), ('channels', 'rows', 'columns'))", kind="spec", where="3.4"),
    _c('gray_named = (img_named * weights_aligned).sum("channels")\ngray_named.shape, gray_named.names',
       "(torch.Size([5, 5]), ('rows', 'columns'))", kind="spec", where="3.4"),
    _c("# 이름이 다른 차원을 결합하면 오류 발생\n(img_named[..., :3] * weights_named)",
       "RuntimeError: Error when attempting to broadcast dims ['channels', 'rows', 'columns'] and dims "
       "['channels']: dim 'columns' and dim 'channels' are at the same position from the right but do "
       "not match.", kind="spec", where="3.4"),
    _c("gray_plain = gray_named.rename(None)\ngray_plain.shape, gray_plain.names",
       "(torch.Size([5, 5]), (None, None))", kind="spec", where="3.4"),
    # 3.5
    _c("double_points = torch.ones(10, 2, dtype=torch.double)\n"
       "short_points = torch.tensor([[1, 2], [3, 4]], dtype=torch.short)", where="3.5.3"),
    _c("double_points.dtype, short_points.dtype", "(torch.float64, torch.int16)", where="3.5.3"),
    _c("double_points = torch.zeros(10, 2).double()\nshort_points = torch.ones(10, 2).to(dtype=torch.short)",
       where="3.5.3"),
    _c("double_points.dtype, short_points.dtype, short_points.shape",
       "(torch.float64, torch.int16, torch.Size([10, 2]))", added=True, where="3.5.3"),
    # rand is in [0, 1), so the int16 cast is all zeros: this output is deterministic.
    _c("points_64 = torch.rand(5, dtype=torch.double)\npoints_short = points_64.to(torch.short)\n"
       "points_64 * points_short", "tensor([0., 0., 0., 0., 0.], dtype=torch.float64)", where="3.5.3"),
    # 3.6
    _c("a = torch.ones(3, 2)\na_t = torch.transpose(a, 0, 1)\n\na.shape, a_t.shape",
       "(torch.Size([3, 2]), torch.Size([2, 3]))", where="3.6"),
    _c("a = torch.ones(3, 2)\na_t = a.transpose(0, 1)\n\na.shape, a_t.shape",
       "(torch.Size([3, 2]), torch.Size([2, 3]))", where="3.6"),
    # 3.7
    _c(POINTS_LITERAL + "\n\npoints.storage()", _storage("4.0", "1.0", "5.0", "3.0", "2.0", "1.0"),
       where="3.7.2"),
    _c("points_storage = points.storage()\npoints_storage[0]", "4.0", where="3.7.2"),
    _c("points.storage()[1]", "1.0", where="3.7.2"),
    _c(POINTS_LITERAL + "\n\npoints_storage = points.storage()\npoints_storage[0] = 2.0\npoints", """
        tensor([[2., 1.],
                [5., 3.],
                [2., 1.]])""", where="3.7.2"),
    _c("a = torch.ones(3, 2)\na", """
        tensor([[1., 1.],
                [1., 1.],
                [1., 1.]])""", where="3.7.2"),
    _c("a.zero_()", """
        tensor([[0., 0.],
                [0., 0.],
                [0., 0.]])""", where="3.7.2"),
    _c("a", """
        tensor([[0., 0.],
                [0., 0.],
                [0., 0.]])""", where="3.7.2"),
    # 3.8
    _c("""
        points = torch.tensor((
            [4., 1.],
            [5., 3.],
            [2. ,1.]
        ))

        second_point = points[1]
        second_point.storage_offset()""", "2", where="3.8.1"),
    _c("second_point.size()", "torch.Size([2])", where="3.8.1"),
    _c("points.stride()", "(2, 1)", where="3.8.1"),
    _c(POINTS_LITERAL + "\n\nsecond_point = points[1]\nsecond_point[0] = 10.\npoints", """
        tensor([[ 4.,  1.],
                [10.,  3.],
                [ 2.,  1.]])""", where="3.8.1"),
    _c(POINTS_LITERAL + "\n\nsecond_point = points[1].clone()\nsecond_point[0] = 10.\npoints", POINTS,
       where="3.8.1"),
    _c(POINTS_LITERAL + "\n\npoints", POINTS, where="3.8.2"),
    _c("points_t = points.t()\npoints_t", POINTS_T, where="3.8.2"),
    _c("# 두 텐서가 같은 공간을 가리키고 있는지는 다음과 같이 확인 가능\n"
       "id(points.storage()) == id(points_t.storage)", "False", kind="bool", where="3.8.2"),
    _c("points.untyped_storage().data_ptr() == points_t.untyped_storage().data_ptr()", "True",
       added=True, where="3.8.2"),
    _c("some_t = torch.ones(3, 4, 5)\ntranspose_t = some_t.transpose(0, 2)\nsome_t.shape",
       "torch.Size([3, 4, 5])", where="3.8.3"),
    _c("transpose_t.shape", "torch.Size([5, 4, 3])", where="3.8.3"),
    _c("some_t.stride(), transpose_t.stride()", "((20, 5, 1), (1, 5, 20))", where="3.8.3"),
    _c("points.is_contiguous()", "True", where="3.8.4"),
    _c("points_t.is_contiguous()", "False", where="3.8.4"),
    _c(POINTS_LITERAL + "\n\npoints_t = points.t()\npoints_t", POINTS_T, where="3.8.4"),
    _c("points_t.storage()", _storage("4.0", "1.0", "5.0", "3.0", "2.0", "1.0"), where="3.8.4"),
    _c("points_t.stride()", "(1, 2)", where="3.8.4"),
    _c("points_t_cont = points_t.contiguous()\npoints_t_cont", POINTS_T, where="3.8.4"),
    _c("points_t_cont.stride()", "(3, 1)", where="3.8.4"),
    _c("points_t_cont.storage()", _storage("4.0", "5.0", "2.0", "1.0", "3.0", "1.0"), where="3.8.4"),
    # 3.9 (GPU): run only where ember.cuda.is_available()
    _c("""
        points_gpu = torch.tensor([
            [4., 1.],
            [5., 3.],
            [2., 1.]
        ], device="cuda")""", needs="cuda", where="3.9.1"),
    _c("points_gpu", POINTS[:-1] + ", device='cuda:0')", needs="cuda", where="3.9.1"),
    _c('# CPU에 만들어진 텐서를 GPU로 옮김\npoints_gpu = points.to(device="cuda")', needs="cuda", where="3.9.1"),
    _c("points.storage()", _storage("4.0", "1.0", "5.0", "3.0", "2.0", "1.0"), where="3.9.1"),
    _c("points_gpu.storage()", _storage("4.0", "1.0", "5.0", "3.0", "2.0", "1.0", footer=CUDA_STORAGE_FOOTER),
       needs="cuda", where="3.9.1"),
    # The seed's cell mixes a CPU line and a GPU line; split so the CPU half always runs.
    _c("# CPU에서 실행되는 곱셈\npoints = 2 * points", where="3.9.1"),
    _c('# GPU에서 실행되는 곱셈\npoints_gpu = 2 * points.to(device="cuda")', needs="cuda", where="3.9.1"),
    _c("points", """
        tensor([[ 8.,  2.],
                [10.,  6.],
                [ 4.,  2.]])""", where="3.9.1"),
    _c("points_gpu", """
        tensor([[16.,  4.],
                [20., 12.],
                [ 8.,  4.]], device='cuda:0')""", needs="cuda", where="3.9.1"),
    _c("points_gpu = points_gpu + 4", needs="cuda", where="3.9.1"),
    _c('points_cpu = points_gpu.to(device="cpu")', needs="cuda", where="3.9.1"),
    _c("points_gpu", """
        tensor([[20.,  8.],
                [24., 16.],
                [12.,  8.]], device='cuda:0')""", needs="cuda", where="3.9.1"),
    _c("points_cpu", """
        tensor([[20.,  8.],
                [24., 16.],
                [12.,  8.]])""", needs="cuda", where="3.9.1"),
    _c("# 축약 메소드 사용 가능\npoints_gpu = points.cuda()\npoints_gpu = points.cuda(0)\n"
       "points_cpu = points_gpu.cpu()", needs="cuda", where="3.9.1"),
    # 3.10
    _c("points = torch.ones(3, 4)\npoints_np = points.numpy()\npoints_np", """
        array([[1., 1., 1., 1.],
               [1., 1., 1., 1.],
               [1., 1., 1., 1.]], dtype=float32)""", where="3.10"),
    _c("points = torch.from_numpy(points_np)", where="3.10"),
    _c("points.data_ptr() == points_np.ctypes.data, points.dtype", "(True, torch.float32)",
       added=True, where="3.10"),
    # 3.12 (run in a temporary directory)
    _c('torch.save(points, "./ourpoints.t")', where="3.12"),
    _c('with open("./ourpoints.t", "wb") as f:\n    torch.save(points, f)', where="3.12"),
    _c('points = torch.load("./ourpoints.t")', where="3.12"),
    _c("points", ONES_3x4, added=True, where="3.12"),
    _c('with open("./ourpoints.t", "rb") as f:\n    points = torch.load(f)', where="3.12"),
    _c("points", ONES_3x4, added=True, where="3.12"),
    # 3.12.1 h5py
    _c("import h5py", needs="h5py", where="3.12.1"),
    _c("""
        f = h5py.File("./data/p1ch3/ourpoints.hdf5", 'w')
        dset = f.create_dataset("coords", data=points.numpy()) # k, v
        f.close""", '<bound method File.close of <HDF5 file "ourpoints.hdf5" (mode r+)>>',
       needs="h5py", where="3.12.1"),
    _c('f = h5py.File("./data/p1ch3/ourpoints.hdf5", "r")\ndset = f["coords"]\nlast_points = dset[-2:]',
       needs="h5py", where="3.12.1"),
    _c("points[-1]", "tensor([1., 1., 1., 1.])", where="3.12.1"),
    _c("dset[-1]", "array([1., 1., 1., 1.], dtype=float32)", needs="h5py", where="3.12.1"),
    _c("torch.from_numpy(dset[-2:])", """
        tensor([[1., 1., 1., 1.],
                [1., 1., 1., 1.]])""", needs="h5py", where="3.12.1"),
    _c("f.close()", needs="h5py", where="3.12.1"),
    # 3.14 exercises (the two comment-only cells "# 2.b" / "# 2.c ?" have no code)
    _c("# 1\na = torch.tensor(list(range(9)))\na", "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8])", where="3.14"),
    _c("a.size(), a.storage_offset(), a.stride()", "(torch.Size([9]), 0, (1,))", where="3.14"),
    _c("# 1.a\nb = a.view(3, 3)", where="3.14"),
    _c("b", """
        tensor([[0, 1, 2],
                [3, 4, 5],
                [6, 7, 8]])""", where="3.14"),
    _c("id(a) == id(b)", "False", where="3.14"),
    _c("b.size(), b.storage_offset(), b.stride()", "(torch.Size([3, 3]), 0, (3, 1))", where="3.14"),
    _c("# 1.b\n# [2, 2] / 4 / [3, 1]\nc = b[1:, 1:]", where="3.14"),
    _c("c.size(), c.storage_offset(), c.stride()", "(torch.Size([2, 2]), 4, (3, 1))", where="3.14"),
    _c("# 2.a\na", "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8])", where="3.14"),
    _c("torch.cos(a)", """
        tensor([ 1.0000,  0.5403, -0.4161, -0.9900, -0.6536,  0.2837,  0.9602,  0.7539,
                -0.1455])""", where="3.14"),
]

# ---------------------------------------------------------------------------------------------
# Seed 000, section 2 "텐서(Tensor)" (in order). Its cells show the output after ">>".
# ---------------------------------------------------------------------------------------------
_SEED_000_H5PY_SKIP = ("seed bug: this seed never defines `points`, and torch.from_numpy(h5py.Dataset) "
                       "raises TypeError in torch too")

SEED_000 = [
    _c("a = [[1.0, 2.0], [3.0, 1.0], [2.5, 1.5]]\ntensor = torch.tensor(a)\ntensor", """
        tensor([[1.0000, 2.0000],
                [3.0000, 1.0000],
                [2.5000, 1.5000]])""", where="2"),
    _c("tensor.storage()", _storage("1.0", "2.0", "3.0", "1.0", "2.5", "1.5"), where="2 Storage"),
    _c("tensor_t = tensor.t()\ntensor_t", """
        tensor([[1.0000, 3.0000, 2.5000],
                [2.0000, 1.0000, 1.5000]])""", where="2 Transpose"),
    _c("## id는 객체를 입력으로 받아서 객체의 고윳값(레퍼런스)를 반환하는 함수입니다.\n"
       "id(tensor.storage()) == id(tensor_t.storage())", "True", kind="bool", where="2 Transpose"),
    _c("tensor.storage().data_ptr() == tensor_t.storage().data_ptr()", "True", added=True,
       where="2 Transpose"),
    _c("tensor.is_contiguous()", "True", where="2 Contiguous"),
    _c("tensor_t.is_contiguous()", "False", where="2 Contiguous"),
    _c("tensor_t = tensor_t.contiguous()\ntensor_t.is_contiguous()", "True", where="2 Contiguous"),
    _c("tensor_t.stride(), tensor_t.tolist()", "((3, 1), [[1.0, 3.0, 2.5], [2.0, 1.0, 1.5]])",
       added=True, where="2 Contiguous"),
    # Serializing: run in a temporary directory that has ../data/out.
    _c("torch.save(tensor, '../data/out/result.t')", where="2 Serializing"),
    _c("loaded_tensor = torch.load('../data/out/result.t')", where="2 Serializing"),
    _c("loaded_tensor", """
        tensor([[1.0000, 2.0000],
                [3.0000, 1.0000],
                [2.5000, 1.5000]])""", added=True, where="2 Serializing"),
    _c("""
        import h5py

        filepath = '../data/out/result.hdf5'
        f = h5py.File(filepath, 'w')
        f.create_dataset('coords', data=points.numpy())
        f.close()""", skip=_SEED_000_H5PY_SKIP, where="2 Serializing"),
    _c("""
        f = h5py.File(filepath, 'r')
        dset = f['coords']
        torch_dset = torch.from_numpy(dset)
        f.close()""", skip=_SEED_000_H5PY_SKIP, where="2 Serializing"),
    # Device selection is written to run anywhere: it picks "cpu" without a GPU.
    _c('import torch\ndevice = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")', where="2 GPU"),
    _c("tensor_gpu = tensor.to(device)", where="2 GPU"),
    _c('tensor_gpu.device.type == ("cuda" if torch.cuda.is_available() else "cpu"), '
       "torch.equal(tensor_gpu.cpu(), tensor)", "(True, True)", added=True, where="2 GPU"),
    _c("tensor_gpu = tensor.cuda() # default는 0 입니다.\ntensor_gpu = tensor.cuda(0)\ntensor_cpu = tensor.cpu()",
       needs="cuda", where="2 GPU"),
]
