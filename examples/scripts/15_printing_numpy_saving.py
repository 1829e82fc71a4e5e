"""Printing options, NumPy interop and saving/loading tensors that share storage."""
import io
import os
import pickle
import tempfile

import numpy as np
import torch

print(torch.tensor([1.0, 2.5, -3.25]))
print(torch.tensor([1e-5, 1.0, 1e5]))
print(torch.tensor([0.1, 123456.0]))
print(torch.tensor([[1e10, 2.0], [3.0, 4.0]], dtype=torch.float64))
print(torch.tensor([float("nan"), float("inf"), -float("inf"), 1.5]))
print(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64))
print(torch.tensor([1, -2, 300], dtype=torch.int8 if False else torch.int16))
print(torch.tensor([True, False]))
print(torch.tensor([1.5 + 2j, -0.5 - 1j]))
print(torch.tensor([0.3333], dtype=torch.float16), torch.tensor([7], dtype=torch.uint8))
print(torch.zeros(0), torch.zeros(2, 0), torch.zeros(0, dtype=torch.long))
print(torch.arange(1000))
print(torch.arange(30.0).reshape(3, 10) * 1.5)
print(torch.ones(2, 2, 2, dtype=torch.int32))
print(torch.randn(3, requires_grad=True).shape, torch.ones(2, requires_grad=True))
print(repr(torch.tensor(2.0)), str(torch.tensor(-0.0)), torch.tensor(1e-20))
print(torch.Size([2, 3]), torch.float32, torch.int64, torch.device("cpu"), torch.bfloat16)
print(torch.tensor([123456789.0, 1.0]))
print(torch.tensor([1.0, 10.0, 100.0]) / 3)

torch.set_printoptions(precision=2)
print(torch.tensor([3.14159, 2.71828]))
torch.set_printoptions(sci_mode=True)
print(torch.tensor([3.14159, 2.71828]))
torch.set_printoptions(profile="default")
torch.set_printoptions(threshold=5, edgeitems=2)
print(torch.arange(10), torch.arange(24).reshape(4, 6))
torch.set_printoptions(profile="default")
torch.set_printoptions(linewidth=40)
print(torch.arange(20.0))
torch.set_printoptions(profile="default")
print(torch.arange(20.0))

# numpy interop
arr = np.arange(6, dtype=np.float32).reshape(2, 3)
t = torch.from_numpy(arr)
arr[0, 0] = 100
print("from_numpy shares memory:", t[0, 0].item())
print("as_tensor shares:", torch.as_tensor(arr).data_ptr() == t.data_ptr(), "tensor copies:", torch.tensor(arr).data_ptr() == t.data_ptr())
n = t.numpy()
n[1, 1] = -1
print("numpy() shares:", t[1, 1].item(), type(n).__name__, n.dtype)
print("non-contiguous numpy:", torch.arange(6).reshape(2, 3).t().numpy().flags["C_CONTIGUOUS"])
print("dtype mapping:", [torch.from_numpy(np.zeros(1, dtype=d)).dtype for d in (np.float64, np.int32, np.bool_, np.uint8, np.complex64)])
print("np.asarray:", np.asarray(torch.tensor([1, 2])), "np.array of float tensor:", np.array(torch.tensor([0.5])).dtype)
print("np ops on tensors:", np.sum(torch.arange(4).numpy()), torch.tensor(np.float64(2.5)).dtype)
print("from_numpy negative strides:", end=" ")
try:
    torch.from_numpy(np.arange(4)[::-1])
except ValueError as e:
    print("ValueError")
print("tensor from np scalar:", torch.tensor(np.int64(3)), torch.tensor([np.float32(1.5)]))
print("list of np arrays:", torch.tensor(np.array([[1, 2], [3, 4]])).dtype)

# saving
base = torch.arange(10.0)
view = base[2:5]
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "t.pt")
    torch.save({"base": base, "view": view, "meta": {"n": 3, "name": "x"}, "list": [torch.ones(1)]}, path)
    loaded = torch.load(path)
    print("keys:", sorted(loaded), loaded["meta"])
    loaded["base"][3] = -7
    print("view shares storage after load:", loaded["view"], loaded["view"].storage_offset())
    print("map_location:", torch.load(path, map_location="cpu")["base"].device)
    print("weights_only load ok:", torch.load(path, weights_only=True)["list"])
buf = io.BytesIO()
torch.save(torch.tensor([1, 2, 3], dtype=torch.int16), buf)
buf.seek(0)
print("bytesio:", torch.load(buf))
print("pickle roundtrip:", pickle.loads(pickle.dumps(torch.tensor([[1.5, 2.5]]))))
p = torch.nn.Parameter(torch.ones(2))
print("pickled parameter:", pickle.loads(pickle.dumps(p)))
big = torch.zeros(1000)
small = big[:2]
b1, b2 = io.BytesIO(), io.BytesIO()
torch.save(small, b1)
torch.save(small.clone(), b2)
print("saving a view stores the whole storage:", len(b1.getvalue()) > len(b2.getvalue()) + 3000)
