"""ember.vision.transforms draws its random parameters exactly as torchvision 0.28 does.

torchvision cannot be imported here, so each ``_ref_*`` function replays torchvision's draw sequence
(written from torchvision/transforms/transforms.py) with the oracle's real torch calls. ember's
transform, seeded with ``ember.manual_seed``, must pick the same parameters, and both generators must
end in the same state.
"""
import math
import random

import numpy as np
import pytest

import ember
import ember.vision.transforms as T
import ember.vision.transforms.functional as F
from tests._oracle import requires_torch, torch

pytestmark = requires_torch
SEEDS = range(12)


def _img(h=20, w=28, c=3, seed=0):
    a = np.random.default_rng(seed).integers(0, 256, (c, h, w), dtype=np.uint8)
    return ember.tensor(a)


def _seed(s):
    ember.manual_seed(s)
    torch.manual_seed(s)


def _same_state():
    """Both generators are at the same point of the stream (checked with two follow-up draws)."""
    assert ember.rand(1).item() == torch.rand(1).item()
    assert ember.randint(0, 1000, (1,)).item() == torch.randint(0, 1000, (1,)).item()


def _eq(a, b):
    return a.shape == b.shape and bool((a.numpy() == b.numpy()).all())


# ---- references: torchvision's draws, replayed with torch ---------------------------------------

def _ref_crop(h, w, th, tw):
    if h == th and w == tw:
        return 0, 0, h, w
    i = torch.randint(0, h - th + 1, size=(1,)).item()
    j = torch.randint(0, w - tw + 1, size=(1,)).item()
    return i, j, th, tw


def _ref_resized_crop(height, width, scale, ratio):
    area = height * width
    log_ratio = torch.log(torch.tensor(ratio))
    for _ in range(10):
        target_area = area * torch.empty(1).uniform_(scale[0], scale[1]).item()
        aspect_ratio = torch.exp(torch.empty(1).uniform_(log_ratio[0], log_ratio[1])).item()
        w = int(round(math.sqrt(target_area * aspect_ratio)))
        h = int(round(math.sqrt(target_area / aspect_ratio)))
        if 0 < w <= width and 0 < h <= height:
            i = torch.randint(0, height - h + 1, size=(1,)).item()
            j = torch.randint(0, width - w + 1, size=(1,)).item()
            return i, j, h, w
    in_ratio = float(width) / float(height)
    if in_ratio < min(ratio):
        w = width
        h = int(round(w / min(ratio)))
    elif in_ratio > max(ratio):
        h = height
        w = int(round(h * max(ratio)))
    else:
        w, h = width, height
    return (height - h) // 2, (width - w) // 2, h, w


def _ref_color_jitter(b, c, s, h):
    fn_idx = torch.randperm(4).tolist()
    out = [fn_idx]
    for r in (b, c, s, h):
        out.append(None if r is None else float(torch.empty(1).uniform_(r[0], r[1])))
    return out


def _ref_affine(degrees, translate, scale_ranges, shears, img_size):
    angle = float(torch.empty(1).uniform_(float(degrees[0]), float(degrees[1])).item())
    if translate is not None:
        max_dx = float(translate[0] * img_size[0])
        max_dy = float(translate[1] * img_size[1])
        tx = int(round(torch.empty(1).uniform_(-max_dx, max_dx).item()))
        ty = int(round(torch.empty(1).uniform_(-max_dy, max_dy).item()))
        translations = (tx, ty)
    else:
        translations = (0, 0)
    scale = float(torch.empty(1).uniform_(scale_ranges[0], scale_ranges[1]).item()) if scale_ranges else 1.0
    shear_x = shear_y = 0.0
    if shears is not None:
        shear_x = float(torch.empty(1).uniform_(shears[0], shears[1]).item())
        if len(shears) == 4:
            shear_y = float(torch.empty(1).uniform_(shears[2], shears[3]).item())
    return angle, translations, scale, (shear_x, shear_y)


def _ref_erasing(c, img_h, img_w, scale, ratio, value):
    area = img_h * img_w
    log_ratio = torch.log(torch.tensor(ratio))
    for _ in range(10):
        erase_area = area * torch.empty(1).uniform_(scale[0], scale[1]).item()
        aspect_ratio = torch.exp(torch.empty(1).uniform_(log_ratio[0], log_ratio[1])).item()
        h = int(round(math.sqrt(erase_area * aspect_ratio)))
        w = int(round(math.sqrt(erase_area / aspect_ratio)))
        if not (h < img_h and w < img_w):
            continue
        if value is None:
            v = torch.empty([c, h, w], dtype=torch.float32).normal_()
        else:
            v = torch.tensor(value)[:, None, None]
        i = torch.randint(0, img_h - h + 1, size=(1,)).item()
        j = torch.randint(0, img_w - w + 1, size=(1,)).item()
        return i, j, h, w, v
    return 0, 0, img_h, img_w, None


# ---- tests ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("hw,size", [((20, 28), (8, 11)), ((20, 28), (20, 28)), ((9, 9), (1, 1))])
def test_random_crop(hw, size):
    img = _img(*hw)
    for s in SEEDS:
        _seed(s)
        got = T.RandomCrop.get_params(img, size)
        ref = _ref_crop(*hw, *size)
        assert tuple(got) == tuple(ref)
        out = T.RandomCrop(size)(img)  # forward draws the same way: its output is that crop
        i, j, h, w = _ref_crop(*hw, *size)
        assert _eq(out, img[:, i:i + h, j:j + w])
        _same_state()


def test_random_crop_with_padding():
    img = _img(6, 7)
    seen = set()
    for s in SEEDS:
        _seed(s)
        out = T.RandomCrop((10, 9), padding=1, pad_if_needed=True)(img)
        padded = F.pad(F.pad(img, 1), [0, 10 - 8])  # 8x9 after padding=1, then pad_if_needed: 12x9
        i, j, h, w = _ref_crop(12, 9, 10, 9)
        seen.add(i)
        assert _eq(out, padded[:, i:i + h, j:j + w])
        _same_state()
    assert len(seen) > 1


@pytest.mark.parametrize("cls,flip", [(T.RandomHorizontalFlip, F.hflip), (T.RandomVerticalFlip, F.vflip)])
def test_flips(cls, flip):
    img = _img()
    decisions = []
    for s in SEEDS:
        _seed(s)
        t = cls(p=0.5)
        outs = [t(img) for _ in range(3)]
        for out in outs:
            d = bool(torch.rand(1) < 0.5)
            decisions.append(d)
            assert _eq(out, flip(img) if d else img)
        _same_state()
    assert any(decisions) and not all(decisions)


def test_random_apply():
    img = _img()
    decisions = []
    for s in SEEDS:
        _seed(s)
        out = T.RandomApply([T.Lambda(F.hflip), T.RandomCrop((5, 6))], p=0.4)(img)
        if 0.4 < torch.rand(1):
            decisions.append(False)
            assert _eq(out, img)
        else:
            decisions.append(True)
            i, j, h, w = _ref_crop(20, 28, 5, 6)
            assert _eq(out, F.hflip(img)[:, i:i + h, j:j + w])
        _same_state()
    assert any(decisions) and not all(decisions)


def test_random_choice_and_order_use_python_random():
    img = _img()
    ts = [T.Lambda(F.hflip), T.Lambda(F.vflip), T.Lambda(lambda x: x[:, 1:, :-2])]
    picks = set()
    for s in SEEDS:
        _seed(s)
        random.seed(s)
        out_c = T.RandomChoice(ts, p=[0.2, 0.3, 0.5])(img)
        out_o = T.RandomOrder(ts)(img)
        random.seed(s)
        ref_c = random.choices(ts, weights=[0.2, 0.3, 0.5])[0](img)
        order = list(range(3))
        random.shuffle(order)
        ref_o = img
        for k in order:
            ref_o = ts[k](ref_o)
        picks.add(tuple(order))
        assert _eq(out_c, ref_c) and _eq(out_o, ref_o)
        _same_state()  # torch's generator is untouched by both
    assert len(picks) > 1


@pytest.mark.parametrize("hw,scale,ratio", [
    ((20, 28), (0.08, 1.0), (3.0 / 4.0, 4.0 / 3.0)),
    ((64, 48), (0.5, 0.9), (0.5, 2.0)),
    ((30, 10), (1.5, 2.0), (3.0 / 4.0, 4.0 / 3.0)),  # never fits: 10 tries then the in_ratio < min fallback
    ((10, 30), (1.5, 2.0), (3.0 / 4.0, 4.0 / 3.0)),  # fallback with in_ratio > max
    ((12, 12), (0.6, 1.0), (1.0, 2.5)),  # often too wide: retries before a hit
])
def test_random_resized_crop(hw, scale, ratio):
    img = _img(*hw)
    boxes = set()
    for s in range(40):
        _seed(s)
        got = T.RandomResizedCrop.get_params(img, scale, ratio)
        ref = _ref_resized_crop(*hw, scale, ratio)
        assert tuple(got) == tuple(ref), s
        boxes.add(tuple(ref))
        _same_state()
    _seed(123)
    out = T.RandomResizedCrop((5, 7), scale=scale, ratio=ratio)(img)
    i, j, h, w = _ref_resized_crop(*hw, scale, ratio)
    assert _eq(out, F.resized_crop(img, i, j, h, w, [5, 7]))
    _same_state()
    if scale[0] < 1:
        assert len(boxes) > 1


@pytest.mark.parametrize("kw", [dict(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1),
                                dict(brightness=(0.5, 1.5), hue=0.2),
                                dict(contrast=0.3)])
def test_color_jitter(kw):
    t = T.ColorJitter(**kw)
    orders = set()
    for s in SEEDS:
        _seed(s)
        fn_idx, b, c, sat, h = t.get_params(t.brightness, t.contrast, t.saturation, t.hue)
        ref = _ref_color_jitter(t.brightness, t.contrast, t.saturation, t.hue)
        assert [fn_idx.tolist(), b, c, sat, h] == ref
        orders.add(tuple(ref[0]))
        _same_state()
    assert len(orders) > 1
    img = _img()
    _seed(7)
    out = t(img)
    fn_idx, b, c, sat, h = _ref_color_jitter(t.brightness, t.contrast, t.saturation, t.hue)
    exp = img
    for k in fn_idx:
        if k == 0 and b is not None:
            exp = F.adjust_brightness(exp, b)
        elif k == 1 and c is not None:
            exp = F.adjust_contrast(exp, c)
        elif k == 2 and sat is not None:
            exp = F.adjust_saturation(exp, sat)
        elif k == 3 and h is not None:
            exp = F.adjust_hue(exp, h)
    assert _eq(out, exp)
    _same_state()


def test_rotation_and_blur():
    for s in SEEDS:
        _seed(s)
        assert T.RandomRotation.get_params([-30.0, 45.0]) == float(torch.empty(1).uniform_(-30.0, 45.0).item())
        assert T.GaussianBlur.get_params(0.1, 2.0) == torch.empty(1).uniform_(0.1, 2.0).item()
        _same_state()
    img = _img().float() / 255
    _seed(3)
    out = T.RandomRotation(20)(img)
    angle = float(torch.empty(1).uniform_(-20.0, 20.0).item())
    assert _eq(out, F.rotate(img, angle, fill=[0.0] * 3))
    out = T.GaussianBlur(5, (0.5, 1.5))(img)
    sigma = torch.empty(1).uniform_(0.5, 1.5).item()
    assert _eq(out, F.gaussian_blur(img, [5, 5], [sigma, sigma]))
    _same_state()


@pytest.mark.parametrize("kw", [dict(degrees=15),
                                dict(degrees=(-5, 30), translate=(0.1, 0.3), scale=(0.8, 1.2), shear=10),
                                dict(degrees=0, translate=(0.5, 0.5), shear=(-5, 5, 2, 20))])
def test_random_affine(kw):
    t = T.RandomAffine(**kw)
    for s in SEEDS:
        _seed(s)
        got = t.get_params(t.degrees, t.translate, t.scale, t.shear, [28, 20])
        ref = _ref_affine(t.degrees, t.translate, t.scale, t.shear, [28, 20])
        assert (got[0], tuple(got[1]), got[2], tuple(got[3])) == ref
        _same_state()
    img = _img()
    _seed(5)
    out = t(img)
    angle, tr, sc, sh = _ref_affine(t.degrees, t.translate, t.scale, t.shear, [28, 20])
    assert _eq(out, F.affine(img, angle, list(tr), sc, list(sh), fill=[0.0] * 3))
    _same_state()


@pytest.mark.parametrize("scale,ratio", [((0.02, 0.33), (0.3, 3.3)), ((0.5, 0.99), (0.2, 5.0))])
def test_random_erasing_params(scale, ratio):
    img = _img().float()
    boxes = set()
    for s in range(30):
        _seed(s)
        i, j, h, w, v = T.RandomErasing.get_params(img, scale, ratio, value=[1.0, 2.0, 3.0])
        ri, rj, rh, rw, rv = _ref_erasing(3, 20, 28, scale, ratio, [1.0, 2.0, 3.0])
        assert (i, j, h, w) == (ri, rj, rh, rw)
        if rv is None:
            assert v is img
        else:
            assert v.numpy().tolist() == rv.numpy().tolist()
        boxes.add((ri, rj, rh, rw))
        _same_state()
        # value=None draws normal noise for the box before picking its place
        _seed(s)
        i, j, h, w, v = T.RandomErasing.get_params(img, scale, ratio, value=None)
        ri, rj, rh, rw, rv = _ref_erasing(3, 20, 28, scale, ratio, None)
        assert (i, j, h, w) == (ri, rj, rh, rw)
        if rv is not None:
            # ember's normal_ equals torch's to float32 rounding (a last-bit difference in torch's
            # vectorised Box-Muller for 16+ values); the draw count, hence the state, is exact
            np.testing.assert_allclose(v.numpy(), rv.numpy(), rtol=1e-6, atol=1e-6)
        _same_state()
    assert len(boxes) > 3


def test_random_erasing_forward():
    img = _img().float()
    decisions = []
    for s in SEEDS:
        _seed(s)
        out = T.RandomErasing(p=0.5, value=7)(img)
        if torch.rand(1) < 0.5:
            decisions.append(True)
            i, j, h, w, _ = _ref_erasing(3, 20, 28, (0.02, 0.33), (0.3, 3.3), [7.0])
            exp = img.clone()
            exp[:, i:i + h, j:j + w] = 7.0
            assert _eq(out, exp)
        else:
            decisions.append(False)
            assert _eq(out, img)
        _same_state()
    assert any(decisions) and not all(decisions)


@pytest.mark.parametrize("make,op,cmp", [
    (lambda: T.RandomGrayscale(p=0.5), lambda x: F.rgb_to_grayscale(x, 3), "tensor"),
    (lambda: T.RandomInvert(p=0.5), F.invert, "item"),
    (lambda: T.RandomPosterize(2, p=0.5), lambda x: F.posterize(x, 2), "item"),
    (lambda: T.RandomSolarize(128, p=0.5), lambda x: F.solarize(x, 128), "item"),
    (lambda: T.RandomAdjustSharpness(2.0, p=0.5), lambda x: F.adjust_sharpness(x, 2.0), "item"),
    (lambda: T.RandomAutocontrast(p=0.5), F.autocontrast, "item"),
    (lambda: T.RandomEqualize(p=0.5), F.equalize, "item"),
])
def test_random_pixel_ops(make, op, cmp):
    img = _img()
    assert not _eq(op(img), img)
    decisions = []
    for s in SEEDS:
        _seed(s)
        t = make()
        outs = [t(img) for _ in range(2)]
        for out in outs:
            d = bool(torch.rand(1) < 0.5) if cmp == "tensor" else torch.rand(1).item() < 0.5
            decisions.append(d)
            assert _eq(out, op(img) if d else img)
        _same_state()
    assert any(decisions) and not all(decisions)


def test_pipeline():
    """A training pipeline draws, transform by transform, what torchvision's would."""
    img = _img(40, 50)
    pipe = T.Compose([T.RandomResizedCrop(16), T.RandomHorizontalFlip(),
                      T.ColorJitter(0.2, 0.2, 0.2, 0.05), T.RandomGrayscale(0.3),
                      T.ConvertImageDtype(ember.float32), T.RandomErasing(p=0.7)])
    for s in SEEDS:
        _seed(s)
        out = pipe(img)
        _ref_resized_crop(40, 50, (0.08, 1.0), (3.0 / 4.0, 4.0 / 3.0))
        torch.rand(1)
        _ref_color_jitter((0.8, 1.2), (0.8, 1.2), (0.8, 1.2), (-0.05, 0.05))
        torch.rand(1)
        if torch.rand(1) < 0.7:
            _ref_erasing(3, 16, 16, (0.02, 0.33), (0.3, 3.3), [0.0])
        assert out.shape == (3, 16, 16)
        _same_state()


# ---- automatic augmentation policies (torchvision/transforms/autoaugment.py) ------------------------

def _tv_space(kind, num_bins, hw, all_ops=True):
    """torchvision's magnitude tables, built with torch (op order matters: the op index counts in it)."""
    lin = torch.linspace
    zero = torch.tensor(0.0)
    if kind == "trivial":
        return {"Identity": (zero, False), "ShearX": (lin(0.0, 0.99, num_bins), True),
                "ShearY": (lin(0.0, 0.99, num_bins), True), "TranslateX": (lin(0.0, 32.0, num_bins), True),
                "TranslateY": (lin(0.0, 32.0, num_bins), True), "Rotate": (lin(0.0, 135.0, num_bins), True),
                "Brightness": (lin(0.0, 0.99, num_bins), True), "Color": (lin(0.0, 0.99, num_bins), True),
                "Contrast": (lin(0.0, 0.99, num_bins), True), "Sharpness": (lin(0.0, 0.99, num_bins), True),
                "Posterize": (8 - (torch.arange(num_bins) / ((num_bins - 1) / 6)).round().int(), False),
                "Solarize": (lin(255.0, 0.0, num_bins), False), "AutoContrast": (zero, False),
                "Equalize": (zero, False)}
    if kind == "augmix":
        s = {"ShearX": (lin(0.0, 0.3, num_bins), True), "ShearY": (lin(0.0, 0.3, num_bins), True),
             "TranslateX": (lin(0.0, hw[1] / 3.0, num_bins), True),
             "TranslateY": (lin(0.0, hw[0] / 3.0, num_bins), True), "Rotate": (lin(0.0, 30.0, num_bins), True),
             "Posterize": (4 - (torch.arange(num_bins) / ((num_bins - 1) / 4)).round().int(), False),
             "Solarize": (lin(255.0, 0.0, num_bins), False), "AutoContrast": (zero, False),
             "Equalize": (zero, False)}
        for k in ("Brightness", "Color", "Contrast", "Sharpness") if all_ops else ():
            s[k] = (lin(0.0, 0.9, num_bins), True)
        return s
    s = {"Identity": (zero, False)} if kind == "rand" else {}
    s.update({"ShearX": (lin(0.0, 0.3, num_bins), True), "ShearY": (lin(0.0, 0.3, num_bins), True),
              "TranslateX": (lin(0.0, 150.0 / 331.0 * hw[1], num_bins), True),
              "TranslateY": (lin(0.0, 150.0 / 331.0 * hw[0], num_bins), True),
              "Rotate": (lin(0.0, 30.0, num_bins), True), "Brightness": (lin(0.0, 0.9, num_bins), True),
              "Color": (lin(0.0, 0.9, num_bins), True), "Contrast": (lin(0.0, 0.9, num_bins), True),
              "Sharpness": (lin(0.0, 0.9, num_bins), True),
              "Posterize": (8 - (torch.arange(num_bins) / ((num_bins - 1) / 4)).round().int(), False),
              "Solarize": (lin(255.0, 0.0, num_bins), False), "AutoContrast": (zero, False),
              "Equalize": (zero, False)})
    if kind == "auto":
        s["Invert"] = (zero, False)
    return s


def _ref_autoaugment(policies, hw):
    policy_id = int(torch.randint(len(policies), (1,)).item())
    probs = torch.rand((2,))
    signs = torch.randint(2, (2,))
    meta = _tv_space("auto", 10, hw)
    ops = []
    for i, (name, p, mag_id) in enumerate(policies[policy_id]):
        if probs[i] <= p:
            mags, signed = meta[name]
            mag = float(mags[mag_id].item()) if mag_id is not None else 0.0
            if signed and signs[i] == 0:
                mag *= -1.0
            ops.append((name, mag))
    return ops


def _ref_randaugment(num_ops, magnitude, bins, hw):
    meta = _tv_space("rand", bins, hw)
    ops = []
    for _ in range(num_ops):
        name = list(meta.keys())[int(torch.randint(len(meta), (1,)).item())]
        mags, signed = meta[name]
        mag = float(mags[magnitude].item()) if mags.ndim > 0 else 0.0
        if signed and torch.randint(2, (1,)):
            mag *= -1.0
        ops.append((name, mag))
    return ops


def _ref_trivial(bins):
    meta = _tv_space("trivial", bins, None)
    name = list(meta.keys())[int(torch.randint(len(meta), (1,)).item())]
    mags, signed = meta[name]
    mag = float(mags[torch.randint(len(mags), (1,), dtype=torch.long)].item()) if mags.ndim > 0 else 0.0
    if signed and torch.randint(2, (1,)):
        mag *= -1.0
    return [(name, mag)]


def _ref_augmix(severity, width, depth_cfg, alpha, all_ops, hw):
    meta = _tv_space("augmix", 10, hw, all_ops)
    m = torch._sample_dirichlet(torch.tensor([alpha, alpha]).expand(1, -1))
    w = torch._sample_dirichlet(torch.tensor([alpha] * width).expand(1, -1)) * m[:, 1].view([1, -1])
    ops = []
    for _ in range(width):
        depth = depth_cfg if depth_cfg > 0 else int(torch.randint(low=1, high=4, size=(1,)).item())
        for _ in range(depth):
            name = list(meta.keys())[int(torch.randint(len(meta), (1,)).item())]
            mags, signed = meta[name]
            mag = float(mags[torch.randint(severity, (1,), dtype=torch.long)].item()) if mags.ndim > 0 else 0.0
            if signed and torch.randint(2, (1,)):
                mag *= -1.0
            ops.append((name, mag))
    return ops, m.numpy(), w.numpy()


@pytest.fixture()
def op_log(monkeypatch):
    from ember.vision.transforms import autoaugment as AA
    log = []
    real = AA._apply_op

    def recording(img, op_name, magnitude, interpolation, fill):
        log.append((op_name, magnitude))
        return real(img, op_name, magnitude, interpolation, fill)

    monkeypatch.setattr(AA, "_apply_op", recording)
    return log


def _same_ops(got, ref):
    # same ops, same magnitudes to the bit (the tables are float32 linspaces built as torch builds them)
    assert got == ref


@pytest.mark.parametrize("a,b,n", [(0.0, 0.3, 31), (0.0, 150.0 / 331.0 * 28, 31), (255.0, 0.0, 10),
                                   (0.0, 0.99, 31), (0.0, 32.0, 31), (0.0, 0.9, 10), (0.0, 20 / 3.0, 10),
                                   (-0.95, 0.95, 20), (0.5, 27.5, 28), (3.0, 3.0, 1)])
def test_magnitude_tables_are_torch_linspace(a, b, n):
    assert ember.linspace(a, b, n).numpy().tolist() == torch.linspace(a, b, n).numpy().tolist()


@pytest.mark.parametrize("policy", ["IMAGENET", "CIFAR10", "SVHN"])
def test_autoaugment(op_log, policy):
    t = T.AutoAugment(T.AutoAugmentPolicy[policy])
    img = _img()
    seen = set()
    for s in range(25):
        _seed(s)
        del op_log[:]
        t(img)
        ref = _ref_autoaugment(t.policies, (20, 28))
        _same_ops(op_log, ref)
        seen.update(n for n, _ in ref)
        _same_state()
    assert len(seen) > 4


@pytest.mark.parametrize("num_ops,magnitude,bins", [(2, 9, 31), (3, 5, 10)])
def test_randaugment(op_log, num_ops, magnitude, bins):
    t = T.RandAugment(num_ops, magnitude, bins)
    img = _img()
    signs = set()
    for s in range(25):
        _seed(s)
        del op_log[:]
        t(img)
        ref = _ref_randaugment(num_ops, magnitude, bins, (20, 28))
        _same_ops(op_log, ref)
        signs.update(m > 0 for _, m in ref if m != 0)
        _same_state()
    assert signs == {True, False}


def test_trivial_augment_wide(op_log):
    t = T.TrivialAugmentWide()
    img = _img()
    names = set()
    for s in range(30):
        _seed(s)
        del op_log[:]
        t(img)
        ref = _ref_trivial(31)
        _same_ops(op_log, ref)
        names.add(ref[0][0])
        _same_state()
    assert len(names) > 5


@pytest.mark.parametrize("kw", [dict(), dict(severity=7, mixture_width=2, chain_depth=2, alpha=0.5, all_ops=False)])
def test_augmix(op_log, kw):
    t = T.AugMix(**kw)
    weights = []
    real = t._sample_dirichlet
    t._sample_dirichlet = lambda p: weights.append(real(p)) or weights[-1]
    img = _img()
    for s in range(10):
        _seed(s)
        del op_log[:], weights[:]
        out = t(img)
        ref_ops, m, w = _ref_augmix(t.severity, t.mixture_width, t.chain_depth, t.alpha, t.all_ops, (20, 28))
        _same_ops(op_log, ref_ops)
        np.testing.assert_allclose(weights[0].numpy(), m, rtol=1e-6)
        np.testing.assert_allclose((weights[1] * weights[0][:, 1].view([1, -1])).numpy(), w, rtol=1e-6)
        assert out.shape == img.shape and out.dtype == img.dtype
        _same_state()


# ---- RandomPerspective / ElasticTransform ---------------------------------------------------------

def _ref_perspective_params(width, height, d):
    hh, hw = height // 2, width // 2
    r = lambda lo, hi: int(torch.randint(lo, hi, size=(1,)).item())  # noqa: E731
    tl = [r(0, int(d * hw) + 1), r(0, int(d * hh) + 1)]
    tr = [r(width - int(d * hw) - 1, width), r(0, int(d * hh) + 1)]
    br = [r(width - int(d * hw) - 1, width), r(height - int(d * hh) - 1, height)]
    bl = [r(0, int(d * hw) + 1), r(height - int(d * hh) - 1, height)]
    return [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], [tl, tr, br, bl]


def _ref_perspective_tensor(img, start, end, fill):
    """torchvision's tensor perspective (lstsq coefficients, projective grid, grid_sample + fill mask)."""
    a = torch.zeros(8, 8, dtype=torch.float64)
    for i, (p1, p2) in enumerate(zip(end, start)):
        a[2 * i, :] = torch.tensor([p1[0], p1[1], 1, 0, 0, 0, -p2[0] * p1[0], -p2[0] * p1[1]])
        a[2 * i + 1, :] = torch.tensor([0, 0, 0, p1[0], p1[1], 1, -p2[1] * p1[0], -p2[1] * p1[1]])
    b = torch.tensor(start, dtype=torch.float64).view(8)
    c = torch.linalg.lstsq(a, b, driver="gels").solution.to(torch.float32).tolist()
    oh, ow = img.shape[-2:]
    theta1 = torch.tensor([[[c[0], c[1], c[2]], [c[3], c[4], c[5]]]])
    theta2 = torch.tensor([[[c[6], c[7], 1.0], [c[6], c[7], 1.0]]])
    base = torch.empty(1, oh, ow, 3)
    base[..., 0].copy_(torch.linspace(0.5, ow - 0.5, steps=ow))
    base[..., 1].copy_(torch.linspace(0.5, oh - 0.5, steps=oh).unsqueeze_(-1))
    base[..., 2].fill_(1)
    g1 = base.view(1, oh * ow, 3).bmm(theta1.transpose(1, 2) / torch.tensor([0.5 * ow, 0.5 * oh]))
    g2 = base.view(1, oh * ow, 3).bmm(theta2.transpose(1, 2))
    grid = (g1 / g2 - 1.0).view(1, oh, ow, 2)
    x = torch.cat((img[None].float(), torch.ones(1, 1, oh, ow)), 1)
    x = torch.nn.functional.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    mask, x = x[:, -1:].expand_as(x[:, :-1]), x[:, :-1]
    x = x * mask + (1.0 - mask) * torch.tensor(fill).view(1, -1, 1, 1)
    return x[0]


def test_random_perspective():
    img = _img()
    decisions = []
    for s in SEEDS:
        _seed(s)
        for d in (0.5, 0.9):
            got = T.RandomPerspective.get_params(28, 20, d)
            assert got == _ref_perspective_params(28, 20, d)
        _same_state()
        _seed(s)
        out = T.RandomPerspective(0.6, p=0.5, fill=5)(img.float())
        if torch.rand(1) < 0.5:
            decisions.append(True)
            start, end = _ref_perspective_params(28, 20, 0.6)
            ref = _ref_perspective_tensor(torch.from_numpy(img.numpy()), start, end, [5.0] * 3)
            np.testing.assert_allclose(out.numpy(), ref.numpy(), atol=2e-3)
        else:
            decisions.append(False)
            assert _eq(out, img.float())
        _same_state()
    assert any(decisions) and not all(decisions)


@pytest.mark.parametrize("alpha,sigma", [((50.0, 50.0), (5.0, 5.0)), ((10.0, 30.0), (1.0, 3.0))])
def test_elastic_transform(alpha, sigma):
    t = T.ElasticTransform(alpha=alpha, sigma=sigma)
    for s in range(4):
        _seed(s)
        disp = t.get_params(t.alpha, t.sigma, [20, 28])
        # torchvision: dx then dy, each rand([1, 1, H, W]) * 2 - 1, blurred, scaled by alpha / extent
        fields = []
        for axis, extent in ((0, 28), (1, 20)):
            raw = ember.tensor((torch.rand([1, 1, 20, 28]) * 2 - 1).numpy())
            k = int(8 * sigma[axis] + 1)
            k += 1 - k % 2
            fields.append(F.gaussian_blur(raw, [k, k], list(sigma)) * alpha[axis] / extent)
        ref = ember.cat(fields, 1).permute([0, 2, 3, 1])
        assert tuple(disp.shape) == (1, 20, 28, 2)
        assert _eq(disp, ref)
        _same_state()
    _seed(9)
    out = t(_img())
    assert out.shape == (3, 20, 28) and out.dtype == ember.uint8
    torch.rand([1, 1, 20, 28])
    torch.rand([1, 1, 20, 28])
    _same_state()
