"""ember.vision.transforms vs torchvision 0.29.1 (golden stats in data/) and vs PIL / the torch oracle."""
import json
import os

import numpy as np
import pytest

import ember
import ember.vision.transforms as T
import ember.vision.transforms.functional as F
from tests._oracle import torch, requires_torch
from tests.vision._transform_cases import cases, stats, synthetic_image

Image = pytest.importorskip("PIL.Image")
GOLDEN = json.load(open(os.path.join(os.path.dirname(__file__), "data", "torchvision_transforms.json")))
# Cases where torchvision's uint8 tensor kernels round differently from float-then-round (off by one
# at a handful of pixels), and float cases accumulated in a different order.
LOOSE = {"t_resize_u8", "blur_t_u8", "blur_pil", "preset_t"}


@pytest.fixture(scope="module")
def image():
    pil = Image.fromarray(synthetic_image())
    return pil, F.pil_to_tensor(pil)


@pytest.mark.parametrize("name", sorted(cases()))
def test_matches_torchvision(name, image):
    pil, t = image
    out = cases()[name](T, F, pil, t, ember)
    a = out.numpy() if isinstance(out, ember.Tensor) else np.asarray(out)
    got, ref = stats(a), GOLDEN[name]
    assert got["shape"] == ref["shape"] and got["dtype"] == ref["dtype"]
    if name in LOOSE:
        tol = 2e-3
    else:
        tol = 0.0 if ref["dtype"] == "uint8" or ref["dtype"].startswith("int") else 1e-5
    for k in ("sum", "proj", "sq"):
        assert got[k] == pytest.approx(ref[k], rel=tol, abs=1e-6), (k, got[k], ref[k])


def _sklearn_jpeg(name):
    import importlib.util
    spec = importlib.util.find_spec("sklearn")  # locate the wheel's sample photos without importing it
    path = os.path.join(os.path.dirname(spec.origin), "datasets", "images", name) if spec else ""
    if not os.path.exists(path):
        pytest.skip("sklearn sample images not shipped")
    return Image.open(path).convert("RGB")


@pytest.mark.parametrize("name", ["china.jpg", "flower.jpg"])
def test_seed_pipeline_on_real_jpeg(name):
    img = _sklearn_jpeg(name)
    pre = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(),
                     T.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])])
    out = pre(img)
    assert out.shape == (3, 224, 224) and out.dtype == ember.float32
    # The same steps with PIL and NumPy, following torchvision's documented algorithm.
    w, h = img.size
    nw, nh = (int(256 * w / h), 256) if h <= w else (256, int(256 * h / w))
    r = np.asarray(img.resize((nw, nh), Image.BILINEAR))
    top, left = int(round((nh - 224) / 2.0)), int(round((nw - 224) / 2.0))
    c = r[top:top + 224, left:left + 224].transpose(2, 0, 1).astype(np.float32) / 255
    ref = (c - np.array([0.485, 0.456, 0.406], np.float32)[:, None, None]) / \
        np.array([0.229, 0.224, 0.225], np.float32)[:, None, None]
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-6, atol=1e-6)


@requires_torch
@pytest.mark.parametrize("size,mode,aa", [((57, 41), "bilinear", True), ((57, 41), "bilinear", False),
                                          ((150, 170), "bilinear", True), ((57, 41), "bicubic", True),
                                          ((150, 170), "bicubic", False), ((57, 41), "nearest", False)])
def test_tensor_resize_vs_torch_interpolate(size, mode, aa):
    x = np.random.RandomState(0).rand(2, 3, 96, 128).astype(np.float32)
    got = F.resize(ember.from_numpy(x), list(size), interpolation=T.InterpolationMode(mode), antialias=aa)
    kw = {} if mode == "nearest" else {"align_corners": False, "antialias": aa}
    ref = torch.nn.functional.interpolate(torch.from_numpy(x), size=size, mode=mode, **kw)
    np.testing.assert_allclose(got.numpy(), ref.numpy(), rtol=1e-5, atol=2e-5)


def test_to_tensor_and_back(image):
    pil, t = image
    x = T.ToTensor()(pil)
    assert x.dtype == ember.float32 and x.shape == (3, 96, 128) and x.is_contiguous()
    np.testing.assert_array_equal(x.numpy(), np.asarray(pil).transpose(2, 0, 1) / np.float32(255))
    back = T.ToPILImage()(x)
    assert back.mode == "RGB" and back.size == (128, 96)
    # floats are scaled by 255 and truncated: k/255*255 may land just under k.
    assert np.abs(np.asarray(back).astype(int) - np.asarray(pil).astype(int)).max() <= 1
    arr = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    np.testing.assert_array_equal(F.to_tensor(arr).numpy(), arr.transpose(2, 0, 1) / np.float32(255))
    f64 = np.ones((2, 3), np.float64)
    assert F.to_tensor(f64).dtype == ember.float64 and F.to_tensor(f64).shape == (1, 2, 3)


def test_pil_to_tensor_is_chw_view(image):
    pil, t = image
    assert t.dtype == ember.uint8 and t.shape == (3, 96, 128)
    np.testing.assert_array_equal(t.numpy(), np.asarray(pil).transpose(2, 0, 1))


def test_errors(image):
    pil, t = image
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        F.to_tensor([1, 2])
    with pytest.raises(ValueError, match="pic should be 2/3 dimensional"):
        F.to_tensor(np.zeros((1, 2, 3, 4), np.uint8))
    with pytest.raises(TypeError, match="Input tensor should be a float tensor"):
        F.normalize(t, [0.5] * 3, [0.5] * 3)
    with pytest.raises(ValueError, match="std evaluated to zero"):
        F.normalize(t.float(), [0.5] * 3, [0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="Size must be an int or a 1 or 2 element"):
        F.resize(pil, [1, 2, 3])
    with pytest.raises(ValueError, match="hue_factor"):
        F.adjust_hue(pil, 0.7)
    with pytest.raises(ValueError, match="Padding mode should be either"):
        T.Pad(2, padding_mode="wrap")
    with pytest.raises(ValueError, match="Required crop size"):
        T.RandomCrop(500)(pil)
    with pytest.raises(TypeError, match="Argument interpolation should be a InterpolationMode"):
        T.Resize(10, interpolation="bilinear")


def test_normalize_not_inplace_by_default():
    x = ember.ones(3, 2, 2)
    y = T.Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])(x)
    assert float(x.sum()) == 12.0 and float(y.sum()) == 12.0
    T.Normalize([1.0] * 3, [1.0] * 3, inplace=True)(x)
    assert float(x.sum()) == 0.0


def test_random_transforms_seeded_and_valid(image):
    pil, t = image
    pipe = T.Compose([T.RandomResizedCrop(32), T.RandomHorizontalFlip(), T.ColorJitter(0.4, 0.4, 0.4, 0.1),
                      T.RandomRotation(15), T.ToTensor()])
    ember.manual_seed(3)
    a = pipe(pil)
    ember.manual_seed(3)
    b = pipe(pil)
    assert a.shape == (3, 32, 32)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    ember.manual_seed(0)
    for _ in range(20):
        i, j, h, w = T.RandomResizedCrop.get_params(t, [0.08, 1.0], [3 / 4, 4 / 3])
        assert 0 <= i <= 96 - h and 0 <= j <= 128 - w and h > 0 and w > 0
        i, j, h, w = T.RandomCrop.get_params(t, (20, 30))
        assert (h, w) == (20, 30) and 0 <= i <= 76 and 0 <= j <= 98
    flips = [T.RandomHorizontalFlip(p=1.0)(t), T.RandomVerticalFlip(p=1.0)(t), T.RandomHorizontalFlip(p=0.0)(t)]
    np.testing.assert_array_equal(flips[0].numpy(), t.numpy()[:, :, ::-1])
    np.testing.assert_array_equal(flips[1].numpy(), t.numpy()[:, ::-1, :])
    np.testing.assert_array_equal(flips[2].numpy(), t.numpy())
    cropped = T.RandomCrop(100, padding=4, pad_if_needed=True)(t)
    assert cropped.shape == (3, 100, 100)
    assert T.RandomApply([T.Lambda(lambda x: x * 0)], p=0.0)(t.float()).sum().item() > 0
    assert T.RandomChoice([T.Grayscale(3)])(pil).mode == "RGB"
    assert T.GaussianBlur(3, sigma=(0.5, 0.5))(t).shape == t.shape


def test_reprs():
    assert repr(T.Resize(256)) == "Resize(size=256, interpolation=bilinear, max_size=None, antialias=True)"
    assert repr(T.CenterCrop(224)) == "CenterCrop(size=(224, 224))"
    assert repr(T.Normalize([0.5], [0.2])) == "Normalize(mean=[0.5], std=[0.2])"
    assert repr(T.Compose([T.ToTensor(), T.RandomHorizontalFlip()])) == \
        "Compose(\n    ToTensor()\n    RandomHorizontalFlip(p=0.5)\n)"
