"""ember.vision.datasets / utils / io on files the tests write (and a local HTTP server for downloads)."""
import gzip
import hashlib
import http.server
import os
import pickle
import tarfile
import threading

import numpy as np
import pytest

import ember
from ember.utils.data import DataLoader
from ember.vision import datasets, io, transforms, utils
from tests._oracle import torch

Image = pytest.importorskip("PIL.Image")


def _img(path, color, size=(6, 4)):
    Image.new("RGB", size, color).save(path)


def test_image_folder(tmp_path):
    for cls, color in (("cat", (255, 0, 0)), ("dog", (0, 255, 0))):
        (tmp_path / cls).mkdir()
        for i in range(3):
            _img(tmp_path / cls / f"{i}.png", color)
    (tmp_path / "dog" / "notes.txt").write_text("not an image")
    ds = datasets.ImageFolder(str(tmp_path), transform=transforms.ToTensor())
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}
    assert len(ds) == 6 and ds.targets == [0, 0, 0, 1, 1, 1]
    x, y = ds[4]
    assert y == 1 and x.shape == (3, 4, 6) and x[1].min().item() == 1.0
    xb, yb = next(iter(DataLoader(ds, batch_size=4)))
    assert xb.shape == (4, 3, 4, 6) and yb.tolist() == [0, 0, 0, 1]
    txt = datasets.DatasetFolder(str(tmp_path), loader=lambda p: open(p).read(), extensions=(".txt",),
                                 allow_empty=True)
    assert len(txt) == 1 and txt[0] == ("not an image", 1)
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes cat"):
        datasets.DatasetFolder(str(tmp_path), loader=open, extensions=(".txt",))
    assert "Number of datapoints: 6" in repr(ds)


def test_fake_data_is_reproducible():
    ds = datasets.FakeData(size=5, image_size=(3, 8, 10), num_classes=4, transform=transforms.PILToTensor())
    a, ta = ds[2]
    b, tb = ds[2]
    assert a.shape == (3, 8, 10) and a.dtype == ember.uint8 and 0 <= ta < 4
    assert ta == tb and bool((a == b).all())
    with pytest.raises(IndexError):
        ds[5]


def _idx(arr, path):
    codes = {np.uint8: 8}
    header = (codes[arr.dtype.type] * 256 + arr.ndim).to_bytes(4, "big")
    header += b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    data = header + arr.tobytes()
    with (gzip.open(path, "wb") if str(path).endswith(".gz") else open(path, "wb")) as f:
        f.write(data)


def _mnist_files(folder, n=5):
    rs = np.random.RandomState(0)
    imgs = {p: rs.randint(0, 256, (n, 28, 28)).astype(np.uint8) for p in ("train", "t10k")}
    labels = {p: rs.randint(0, 10, n).astype(np.uint8) for p in ("train", "t10k")}
    os.makedirs(folder, exist_ok=True)
    for p in ("train", "t10k"):
        _idx(imgs[p], os.path.join(folder, f"{p}-images-idx3-ubyte.gz"))
        _idx(labels[p], os.path.join(folder, f"{p}-labels-idx1-ubyte.gz"))
    return imgs, labels


def test_mnist_from_local_files(tmp_path):
    imgs, labels = _mnist_files(tmp_path / "MNIST" / "raw")
    ds = datasets.MNIST(str(tmp_path), train=False, transform=transforms.ToTensor())
    assert len(ds) == 5 and ds.data.dtype == ember.uint8 and ds.targets.dtype == ember.int64
    x, y = ds[3]
    assert y == int(labels["t10k"][3]) and x.shape == (1, 28, 28)
    np.testing.assert_allclose(x.numpy()[0], imgs["t10k"][3] / np.float32(255))
    with pytest.raises(RuntimeError, match="Dataset not found"):
        datasets.FashionMNIST(str(tmp_path))


@pytest.fixture()
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a):
            pass
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), lambda *a, **k: Quiet(*a, directory=str(root), **k))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def test_mnist_download_from_local_mirror(tmp_path, server, monkeypatch):
    www, base = server
    imgs, labels = _mnist_files(www)
    res = [(name, hashlib.md5((www / name).read_bytes()).hexdigest()) for name in sorted(os.listdir(www))]
    monkeypatch.setattr(datasets.FashionMNIST, "mirrors", ["http://127.0.0.1:9/", base])
    monkeypatch.setattr(datasets.FashionMNIST, "resources", res)
    ds = datasets.FashionMNIST(str(tmp_path / "data"), train=True, download=True)
    img, y = ds[0]
    assert img.mode == "L" and np.array_equal(np.asarray(img), imgs["train"][0]) and y == labels["train"][0]
    assert ds.classes[9] == "Ankle boot"


def test_cifar10_download_and_read(tmp_path, server, monkeypatch):
    www, base = server
    rs = np.random.RandomState(1)
    folder = tmp_path / "build" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    batches = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batches[name] = {"data": rs.randint(0, 256, (2, 3072)).astype(np.uint8), "labels": [1, 7]}
        with open(folder / name, "wb") as f:
            pickle.dump(batches[name], f)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({"label_names": ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
                                     "truck"]}, f)
    with tarfile.open(www / "cifar.tgz", "w:gz") as tar:
        tar.add(folder, arcname="cifar-10-batches-py")
    monkeypatch.setattr(datasets.CIFAR10, "url", base + "cifar.tgz")
    monkeypatch.setattr(datasets.CIFAR10, "tgz_md5", hashlib.md5((www / "cifar.tgz").read_bytes()).hexdigest())
    ds = datasets.CIFAR10(str(tmp_path / "data"), train=False, download=True)
    img, y = ds[1]
    assert len(ds) == 2 and y == 7 and img.size == (32, 32) and ds.classes[7] == "horse"
    want = batches["test_batch"]["data"][1].reshape(3, 32, 32).transpose(1, 2, 0)
    assert np.array_equal(np.asarray(img), want)
    assert len(datasets.CIFAR10(str(tmp_path / "data"), train=True)) == 10


@pytest.mark.skipif(torch is None, reason="torch oracle not installed")
def test_make_grid_layout():
    x = np.random.RandomState(0).rand(5, 3, 4, 6).astype(np.float32)
    g = utils.make_grid(ember.from_numpy(x), nrow=3, padding=1, pad_value=0.5)
    assert g.shape == (3, 2 * 5 + 1, 3 * 7 + 1)
    gn = g.numpy()
    np.testing.assert_array_equal(gn[:, 1:5, 1:7], x[0])
    np.testing.assert_array_equal(gn[:, 6:10, 8:14], x[4])
    assert gn[0, 0, 0] == 0.5 and gn[0, 6, 15] == 0.5  # border and the empty sixth cell
    n = utils.make_grid(ember.from_numpy(x[:1] * 4 - 1), normalize=True).numpy()
    assert n.min() == 0.0 and n.max() == 1.0 and n.shape == (3, 4, 6)


def test_save_image_and_io_roundtrip(tmp_path):
    x = ember.from_numpy(np.linspace(0, 1, 2 * 3 * 5 * 7, dtype=np.float32).reshape(2, 3, 5, 7))
    utils.save_image(x, str(tmp_path / "grid.png"), nrow=2, padding=0)
    back = io.read_image(str(tmp_path / "grid.png"))
    assert back.shape == (3, 5, 14) and back.dtype == ember.uint8
    want = np.clip(x.numpy()[0] * 255 + 0.5, 0, 255).astype(np.uint8)
    np.testing.assert_array_equal(back.numpy()[:, :, :7], want)
    gray = io.read_image(str(tmp_path / "grid.png"), io.ImageReadMode.GRAY)
    assert gray.shape == (1, 5, 14)
    io.write_png(back, str(tmp_path / "again.png"))
    assert bool((io.decode_image(io.read_file(str(tmp_path / "again.png"))) == back).all())
