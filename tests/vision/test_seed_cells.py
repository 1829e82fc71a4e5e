"""The seed notebook's pretrained-model cells, end to end on ember, with weight files made by real torch."""
import gzip
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import ember as torch_like
from ember import hub
from ember.vision import models, transforms
from ember.vision.models import ResNet101_Weights
from ember.vision.models.cyclegan import ResNetGenerator
from tests._oracle import requires_torch, torch
from tests.vision import _torch_refs as R

Image = pytest.importorskip("PIL.Image")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURE = os.path.join(os.path.dirname(__file__), "data", "torchvision_models.json.gz")


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    monkeypatch.setattr(hub, "_hub_dir", None)
    d = os.path.join(str(tmp_path / "home"), "hub", "checkpoints")
    os.makedirs(d)
    return d


def _photo(tmp_path, size=(300, 240)):
    """A real JPEG file: sklearn's sample photo when installed, else a synthetic one."""
    import importlib.util
    spec = importlib.util.find_spec("sklearn")  # the wheel's sample photo, without importing sklearn
    try:
        src = os.path.join(os.path.dirname(spec.origin), "datasets", "images", "flower.jpg")
        img = Image.open(src).convert("RGB").resize(size)
    except (AttributeError, TypeError, OSError):
        rs = np.random.RandomState(0)
        img = Image.fromarray(rs.randint(0, 255, (size[1], size[0], 3)).astype(np.uint8))
    path = tmp_path / "photo.jpg"
    img.save(path, quality=90)
    return str(path)


def _torch_resnet101_state_dict(seed=0):
    """Random torch weights with torchvision's resnet101 names and shapes (kept numerically tame)."""
    ref = json.load(gzip.open(FIXTURE, "rt"))["resnet101"]["keys"]
    g = torch.Generator().manual_seed(seed)
    sd = {}
    for k, shape, dtype in ref:
        if k.endswith("num_batches_tracked"):
            sd[k] = torch.tensor(0)
        elif k.endswith("running_var"):
            sd[k] = torch.rand(shape, generator=g) + 0.5
        elif k.endswith(("running_mean", "bias")):
            sd[k] = torch.randn(shape, generator=g) * 0.1
        elif len(shape) == 1:
            # small gains on each block's last norm keep 33 residual additions bounded
            sd[k] = torch.rand(shape, generator=g) * (0.2 if k.endswith(("bn3.weight", "downsample.1.weight")) else 1.0)
        else:
            fan_in = int(np.prod(shape[1:]))
            sd[k] = torch.randn(shape, generator=g) * (2.0 / fan_in) ** 0.5
    return sd


@requires_torch
def test_resnet101_cell(cache, tmp_path):
    sd = _torch_resnet101_state_dict()
    torch.save(sd, os.path.join(cache, "resnet101-cd907fc2.pth"))

    # --- the seed's cells, with `torch` being ember ---
    torch_ = torch_like
    resnet = models.resnet101(weights=ResNet101_Weights.DEFAULT)
    preprocess = transforms.Compose([
        transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
        transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])])
    img = Image.open(_photo(tmp_path))
    img_t = preprocess(img)
    assert tuple(img_t.shape) == (3, 224, 224)
    batch_t = torch_.unsqueeze(img_t, 0)
    resnet.eval()
    out = resnet(batch_t)
    labels = ResNet101_Weights.DEFAULT.meta["categories"]
    _, index = torch_.max(out, 1)
    percentage = torch_.nn.functional.softmax(out, dim=1)[0] * 100
    top1 = (labels[index[0]], percentage[index[0]].item())
    _, indices = torch_.sort(out, descending=True)
    top5 = [(labels[idx], percentage[idx].item()) for idx in indices[0][:5]]

    # --- the same computation in real torch ---
    with torch.no_grad():
        ref = R.resnet(sd, torch.from_numpy(batch_t.numpy()), True, [3, 4, 23, 3])
    np.testing.assert_allclose(out.detach().numpy(), ref.numpy(), rtol=1e-3,
                               atol=1e-4 * float(ref.abs().max()))
    ref_pct = torch.softmax(ref, 1)[0] * 100
    ref_idx = torch.sort(ref, descending=True).indices[0][:5].tolist()
    assert [name for name, _ in top5] == [labels[i] for i in ref_idx]
    assert top1 == top5[0]
    np.testing.assert_allclose([p for _, p in top5], ref_pct[ref_idx].tolist(), rtol=1e-3, atol=1e-4)


@requires_torch
def test_cyclegan_cell(tmp_path):
    netG = ResNetGenerator()
    g = torch.Generator().manual_seed(0)
    tsd = {}
    for k, v in netG.state_dict().items():
        shape = tuple(v.shape)
        scale = 0.05 if len(shape) == 1 else (1.0 / int(np.prod(shape[1:]))) ** 0.5
        tsd[k] = torch.randn(shape, generator=g) * scale
    model_path = tmp_path / "horse2zebra_0.4.0.pth"
    torch.save(tsd, model_path)

    model_data = torch_like.load(str(model_path))
    assert repr(netG.load_state_dict(model_data)) == "<All keys matched successfully>"
    netG.eval()
    preprocess = transforms.Compose([transforms.Resize(256), transforms.ToTensor()])
    img = Image.open(_photo(tmp_path, size=(200, 200)))
    img_t = preprocess(img)
    batch_t = torch_like.unsqueeze(img_t, 0)
    batch_out = netG(batch_t)
    out_t = (batch_out.data.squeeze() + 1.0) / 2.0
    out_img = transforms.ToPILImage()(out_t)
    assert out_img.size == (256, 256) and out_img.mode == "RGB"

    with torch.no_grad():
        ref = R.cyclegan(tsd, torch.from_numpy(batch_t.numpy()), 9)
    np.testing.assert_allclose(batch_out.detach().numpy(), ref.numpy(), rtol=1e-3, atol=2e-4)
    ref_img = ((ref.squeeze() + 1.0) / 2.0).mul(255).byte().permute(1, 2, 0).numpy()
    assert np.abs(np.asarray(out_img).astype(int) - ref_img.astype(int)).max() <= 1


def test_alexnet_cell():
    alexnet = models.AlexNet()
    assert sum(p.numel() for p in alexnet.parameters()) == 61100840
    assert repr(alexnet).startswith("AlexNet(\n  (features): Sequential(\n    (0): Conv2d(3, 64, kernel_size=(11, 11)")


def test_classify_example_prints_top5(cache, tmp_path):
    m = models.resnet18()
    w = tmp_path / "r18.pth"
    torch_like.save(m.state_dict(), str(w))
    env = dict(os.environ, PYTHONPATH=ROOT)
    res = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "classify.py"), _photo(tmp_path),
                          "--weights", str(w), "--model", "resnet18"], capture_output=True, text=True, env=env,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.strip().splitlines()
    assert len(lines) == 5
    cats = models.ResNet18_Weights.DEFAULT.meta["categories"]
    pcts = []
    for line in lines:
        name, pct = line.rsplit(": ", 1)
        assert name in cats and pct.endswith("%")
        pcts.append(float(pct[:-1]))
    assert pcts == sorted(pcts, reverse=True) and 0 < sum(pcts) <= 100.01
