"""ember.vision.models: structure/names/repr vs torchvision 0.29.1 (data/), forward vs torch references."""
import gzip
import io
import json
import os
import warnings

import numpy as np
import pytest

import ember
from ember import hub, nn
from ember.vision import models
from ember.vision.models.cyclegan import ResNetGenerator
from tests._oracle import requires_torch, torch
from tests.vision import _torch_refs as R

FIXTURE = json.load(gzip.open(os.path.join(os.path.dirname(__file__), "data", "torchvision_models.json.gz"), "rt"))


@pytest.fixture()
def fast_init(monkeypatch):
    """Skip weight initialisation (random fills of ~100M values) where only structure matters."""
    noop = lambda *a, **k: None  # noqa: E731
    for name in ("normal_", "kaiming_normal_", "kaiming_uniform_", "constant_", "ones_", "zeros_", "uniform_"):
        monkeypatch.setattr(nn.init, name, noop)
    for cls in (nn.Linear, nn.Conv2d, nn.BatchNorm2d):
        monkeypatch.setattr(cls, "reset_parameters", noop)


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    monkeypatch.setattr(hub, "_hub_dir", None)
    return os.path.join(str(tmp_path / "home"), "hub", "checkpoints")


@pytest.mark.parametrize("name", sorted(FIXTURE))
def test_structure_matches_torchvision(name, fast_init):
    ref = FIXTURE[name]
    m = getattr(models, name)()
    keys = [[k, list(v.shape), str(v.dtype)] for k, v in m.state_dict().items()]
    assert keys == ref["keys"]
    assert [k for k, _ in m.named_parameters()] == ref["params"]
    assert [k for k, _ in m.named_buffers()] == ref["buffers"]
    assert repr(m) == ref["repr"]


@pytest.mark.parametrize("name", sorted(FIXTURE))
def test_weights_enums_match_torchvision(name):
    ref = FIXTURE[name]
    enum = models.get_model_weights(name)
    assert enum.__name__ == ref["enum"] and enum.DEFAULT.name == ref["default"]
    assert [w.name for w in enum] == list(ref["weights"])
    for w in enum:
        assert w.url == ref["weights"][w.name]["url"]
        assert repr(w.transforms()) == ref["weights"][w.name]["transforms"]
        assert repr(w) == f"{ref['enum']}.{w.name}"


def test_weights_api():
    W = models.ResNet101_Weights
    assert W.DEFAULT is W.IMAGENET1K_V2
    assert W.DEFAULT.url == "https://download.pytorch.org/models/resnet101-cd907fc2.pth"
    cats = W.DEFAULT.meta["categories"]
    assert len(cats) == 1000 and len(set(cats)) == 1000  # 'crane bird'/'crane', 'maillot tank suit'/'maillot'
    assert (cats[134], cats[517], cats[638], cats[639]) == ("crane bird", "crane", "maillot", "maillot tank suit")
    assert (cats[0], cats[1], cats[207], cats[208], cats[852], cats[999]) == (
        "tench", "goldfish", "golden retriever", "Labrador retriever", "tennis ball", "toilet tissue")
    assert W.verify("IMAGENET1K_V1") is W.IMAGENET1K_V1
    assert W.verify("ResNet101_Weights.IMAGENET1K_V1") is W.IMAGENET1K_V1
    with pytest.raises(TypeError, match="Invalid Weight class provided; expected ResNet101_Weights"):
        W.verify(models.ResNet50_Weights.DEFAULT)
    assert models.get_weight("ResNet50_Weights.IMAGENET1K_V2") is models.ResNet50_Weights.IMAGENET1K_V2
    assert "resnet101" in models.list_models() and models.list_models(include="vgg1?") == ["vgg11", "vgg13",
                                                                                          "vgg16", "vgg19"]
    assert W.DEFAULT.meta["num_params"] == 44549160
    with pytest.raises(ValueError, match="The parameter 'num_classes' expected value 1000 but got 10"):
        models.resnet18(weights=models.ResNet18_Weights.DEFAULT, num_classes=10)


def test_legacy_pretrained_false_warns_and_builds():
    with pytest.warns(UserWarning, match="'pretrained' is deprecated"):
        m = models.squeezenet1_1(pretrained=False, num_classes=7)
    assert m.classifier[1].out_channels == 7


@requires_torch
@pytest.mark.parametrize("name,build,ref,size", [
    ("resnet18", lambda: models.resnet18(num_classes=10), lambda sd, x: R.resnet(sd, x, False, [2, 2, 2, 2]), 48),
    ("resnext", lambda: models.ResNet(models.Bottleneck, [1, 2, 1, 1], groups=4, width_per_group=8, num_classes=5),
     lambda sd, x: R.resnet(sd, x, True, [1, 2, 1, 1], groups=4), 40),
    ("alexnet", lambda: models.AlexNet(num_classes=10), R.alexnet, 63),
    ("mobilenet_v2", lambda: models.mobilenet_v2(num_classes=10), R.mobilenet_v2, 32),
    ("squeezenet1_0", lambda: models.squeezenet1_0(num_classes=10), lambda sd, x: R.squeezenet(sd, x, "1_0"), 48),
    ("squeezenet1_1", lambda: models.squeezenet1_1(num_classes=10), lambda sd, x: R.squeezenet(sd, x, "1_1"), 48),
    ("densenet121", lambda: models.densenet121(num_classes=10), R.densenet121, 32),
    ("cyclegan", lambda: ResNetGenerator(ngf=8, n_blocks=2), lambda sd, x: R.cyclegan(sd, x, 2), 32),
])
def test_forward_matches_torch_reference(name, build, ref, size, fast_init):
    m = build().eval()
    sd = R.random_state_dict(m, seed=1)
    m.load_state_dict({k: ember.from_numpy(v) for k, v in sd.items()}, strict=True)
    x = np.random.RandomState(2).rand(2, 3, size, size + 4).astype(np.float32)
    with ember.no_grad():
        got = m(ember.from_numpy(x)).numpy()
    with torch.no_grad():
        want = ref(R.to_torch(sd), torch.from_numpy(x)).numpy()
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * max(1.0, float(np.abs(want).max())))


@requires_torch
def test_vgg_bn_features_match_torch_reference(fast_init):
    m = models.vgg11_bn().eval()
    m.classifier = nn.Sequential(nn.Linear(512 * 7 * 7, 6))
    sd = R.random_state_dict(m, seed=3)
    m.load_state_dict({k: ember.from_numpy(v) for k, v in sd.items()})
    x = np.random.RandomState(4).rand(1, 3, 32, 32).astype(np.float32)
    with ember.no_grad():
        got = m(ember.from_numpy(x)).numpy()
    t = R.to_torch(sd)
    with torch.no_grad():
        feats = R.vgg_features(t, torch.from_numpy(x), [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512,
                                                       "M"], True)
        want = torch.nn.functional.linear(feats, t["classifier.0.weight"], t["classifier.0.bias"]).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * max(1.0, float(np.abs(want).max())))


@requires_torch
def test_weights_load_from_cache_written_by_torch(cache):
    """weights=...: a checkpoint written by real torch sits in the cache; no network is used."""
    shapes = {k: tuple(v.shape) for k, v in models.squeezenet1_1().state_dict().items()}
    g = torch.Generator().manual_seed(0)
    sd = {k: (torch.randn(s, generator=g) if k.endswith(("weight", "bias")) else torch.zeros(s))
          for k, s in shapes.items()}
    os.makedirs(cache)
    torch.save(sd, os.path.join(cache, "squeezenet1_1-b8a52dc0.pth"))
    m = models.squeezenet1_1(weights=models.SqueezeNet1_1_Weights.DEFAULT)
    np.testing.assert_array_equal(m.features[0].weight.detach().numpy(), sd["features.0.weight"].numpy())
    with pytest.warns(UserWarning):
        m2 = models.squeezenet1_1(pretrained=True)  # legacy path: IMAGENET1K_V1, same file
    np.testing.assert_array_equal(m2.classifier[1].bias.detach().numpy(), sd["classifier.1.bias"].numpy())


def test_densenet_old_checkpoint_keys_are_remapped(cache):
    src = models.densenet121()
    sd = {}
    for k, v in src.state_dict().items():
        if "denselayer" in k and k.endswith("num_batches_tracked"):
            continue  # the 2017 file predates this buffer; BatchNorm fills it in on load
        # the published file says 'norm.1'/'conv.2' where the module says 'norm1'/'conv2'
        k = k.replace(".norm1.", ".norm.1.").replace(".conv1.", ".conv.1.").replace(".norm2.", ".norm.2.") \
             .replace(".conv2.", ".conv.2.") if "denselayer" in k else k
        sd[k] = v
    os.makedirs(cache)
    ember.save(sd, os.path.join(cache, "densenet121-a639ec97.pth"))
    m = models.densenet121(weights="IMAGENET1K_V1")
    a = m.features.denseblock1.denselayer1.conv2.weight.detach().numpy()
    np.testing.assert_array_equal(a, src.features.denseblock1.denselayer1.conv2.weight.detach().numpy())


def test_missing_weights_without_network_names_url_and_path(cache):
    with pytest.raises(RuntimeError) as e:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            hub.load_state_dict_from_url("http://127.0.0.1:9/models/alexnet-owt-7be5be79.pth", progress=False)
    assert "alexnet-owt-7be5be79.pth" in str(e.value) and cache in str(e.value)
