"""ember.hub: checkpoint cache/downloads and hubconf repos, against a local HTTP server only."""
import hashlib
import http.server
import io
import os
import threading
import zipfile

import numpy as np
import pytest

import ember
from ember import hub
from tests._oracle import torch


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture()
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    handler = lambda *a, **k: _Quiet(*a, directory=str(root), **k)  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    home = tmp_path / "ember_home"
    monkeypatch.setenv("EMBER_HOME", str(home))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    monkeypatch.setattr(hub, "_hub_dir", None)
    return home


def _checkpoint_bytes():
    sd = {"w": ember.arange(6, dtype=ember.float32).reshape(2, 3), "b": ember.tensor([1, 2], dtype=ember.int64)}
    buf = io.BytesIO()
    ember.save(sd, buf)
    return buf.getvalue()


def _publish(root, data, stem="tiny"):
    sha = hashlib.sha256(data).hexdigest()
    name = f"{stem}-{sha[:8]}.pth"
    (root / name).write_bytes(data)
    return name, sha


def test_dirs(cache, tmp_path, monkeypatch):
    assert hub.get_dir() == os.path.join(str(cache), "hub")
    monkeypatch.delenv("EMBER_HOME")
    assert hub.get_dir() == os.path.join(str(tmp_path / "torch_home"), "hub")
    hub.set_dir(tmp_path / "elsewhere")
    assert hub.get_dir() == str(tmp_path / "elsewhere")


def test_download_then_cache_hit(server, capsys):
    root, base = server
    name, _ = _publish(root, _checkpoint_bytes())
    sd = hub.load_state_dict_from_url(f"{base}/{name}", check_hash=True, progress=False)
    np.testing.assert_array_equal(sd["w"].numpy(), np.arange(6, dtype=np.float32).reshape(2, 3))
    assert sd["b"].dtype == ember.int64
    cached = os.path.join(hub.get_dir(), "checkpoints", name)
    assert os.path.isfile(cached)
    assert f'Downloading: "{base}/{name}" to {cached}' in capsys.readouterr().err
    assert not [f for f in os.listdir(os.path.dirname(cached)) if f.endswith(".partial")]
    os.remove(root / name)  # the server no longer has it: the cache must answer
    sd2 = hub.load_state_dict_from_url(f"{base}/{name}")
    assert sd2["w"].shape == (2, 3)


def test_hash_mismatch_leaves_nothing(server):
    root, base = server
    data = _checkpoint_bytes()
    (root / "bad-deadbeef.pth").write_bytes(data)
    with pytest.raises(RuntimeError, match="invalid hash value"):
        hub.load_state_dict_from_url(f"{base}/bad-deadbeef.pth", check_hash=True, progress=False)
    ckpt = os.path.join(hub.get_dir(), "checkpoints")
    assert os.listdir(ckpt) == []


def test_download_url_to_file_with_hash(server, tmp_path):
    root, base = server
    name, sha = _publish(root, b"x" * 300000)
    dst = tmp_path / "out" / "f.bin"
    hub.download_url_to_file(f"{base}/{name}", str(dst), hash_prefix=sha[:10], progress=True)
    assert dst.read_bytes() == b"x" * 300000


def test_no_network_error_names_url_and_cache():
    url = "http://127.0.0.1:9/models/resnet101-cd907fc2.pth"
    with pytest.raises(RuntimeError) as e:
        hub.load_state_dict_from_url(url, progress=False)
    msg = str(e.value)
    assert url in msg and os.path.join(hub.get_dir(), "checkpoints", "resnet101-cd907fc2.pth") in msg


def test_local_path_and_file_url(tmp_path):
    p = tmp_path / "local.pth"
    p.write_bytes(_checkpoint_bytes())
    assert hub.load_state_dict_from_url(str(p))["w"].shape == (2, 3)
    assert hub.load_state_dict_from_url(p.as_uri())["w"].shape == (2, 3)
    with pytest.raises(FileNotFoundError):
        hub.load_state_dict_from_url((tmp_path / "missing.pth").as_uri())


@pytest.mark.skipif(torch is None, reason="torch oracle not installed")
def test_reads_checkpoint_written_by_torch(server):
    root, base = server
    buf = io.BytesIO()
    torch.save({"fc.weight": torch.full((2, 2), 0.5)}, buf)
    name, _ = _publish(root, buf.getvalue(), stem="torchmade")
    sd = hub.load_state_dict_from_url(f"{base}/{name}", check_hash=True, progress=False)
    assert sd["fc.weight"].tolist() == [[0.5, 0.5], [0.5, 0.5]]


HUBCONF = '''
"""A test repo."""
dependencies = ["numpy"]


def tiny(scale=1.0, pretrained=False):
    """Build a tiny linear model."""
    import ember
    m = ember.nn.Linear(2, 2)
    if pretrained:
        ember.nn.init.constant_(m.weight, scale)
    return m


def _private():
    pass
'''


def _repo(dirpath, hubconf=HUBCONF):
    dirpath.mkdir(parents=True, exist_ok=True)
    (dirpath / "hubconf.py").write_text(hubconf)
    return dirpath


def test_local_source(tmp_path):
    repo = _repo(tmp_path / "repo")
    m = hub.load(str(repo), "tiny", source="local", scale=3.0, pretrained=True)
    assert m.weight.tolist() == [[3.0, 3.0], [3.0, 3.0]]
    with pytest.raises(RuntimeError, match="Cannot find callable nope in hubconf"):
        hub.load(str(repo), "nope", source="local")
    with pytest.raises(ValueError, match="Unknown source"):
        hub.load(str(repo), "tiny", source="gitlab")
    bad = _repo(tmp_path / "bad", 'dependencies = ["surely_not_a_module_xyz"]\ndef f():\n    return 1\n')
    with pytest.raises(RuntimeError, match="Missing dependencies: surely_not_a_module_xyz"):
        hub.load(str(bad), "f", source="local")


def _zip_repo(root, owner, name, ref):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(f"{owner}-{name}-abc123/hubconf.py", HUBCONF)
        zf.writestr(f"{owner}-{name}-abc123/README.md", "hi")
    target = root / owner / name / "zipball"
    target.mkdir(parents=True)
    (target / ref).write_bytes(buf.getvalue())


def test_github_source_via_local_server(server, monkeypatch, capsys):
    root, base = server
    monkeypatch.setenv("EMBER_HUB_GITHUB_URL", base)
    _zip_repo(root, "someone", "models", "main")
    assert hub.list("someone/models", trust_repo=True) == ["tiny"]
    assert hub.help("someone/models", "tiny", trust_repo=True) == "Build a tiny linear model."
    repo_dir = os.path.join(hub.get_dir(), "someone_models_main")
    assert os.path.isfile(os.path.join(repo_dir, "hubconf.py"))
    with open(os.path.join(hub.get_dir(), "trusted_list")) as f:
        assert "someone_models" in f.read().split()
    (root / "someone" / "models" / "zipball" / "main").unlink()  # cached now: no download needed
    m = hub.load("someone/models", "tiny", pretrained=True, scale=2.0)
    assert m.weight.tolist() == [[2.0, 2.0], [2.0, 2.0]]
    assert "Using cache found in" in capsys.readouterr().err


def test_github_untrusted_repo_prompts(server, monkeypatch):
    root, base = server
    monkeypatch.setenv("EMBER_HUB_GITHUB_URL", base)
    _zip_repo(root, "stranger", "code", "v1")
    monkeypatch.setattr("builtins.input", lambda prompt="": "no")
    with pytest.raises(Exception, match="Untrusted repository."):
        hub.load("stranger/code:v1", "tiny")
    monkeypatch.setattr("builtins.input", lambda prompt="": "y")
    assert hub.load("stranger/code:v1", "tiny").weight.shape == (2, 2)


def test_github_missing_ref_falls_back_to_master(server, monkeypatch):
    root, base = server
    monkeypatch.setenv("EMBER_HUB_GITHUB_URL", base)
    _zip_repo(root, "old", "repo", "master")
    assert hub.list("old/repo", trust_repo=True) == ["tiny"]
    assert os.path.isdir(os.path.join(hub.get_dir(), "old_repo_master"))


def test_invalid_repo_string():
    with pytest.raises(ValueError, match="repo_owner/repo_name"):
        hub.load("no-slash-here", "x", trust_repo=True)


def test_pytorch_vision_resolves_to_ember_models(cache, monkeypatch):
    # The seed: hub.load("pytorch/vision:v0.10.0", "resnet18", pretrained=True), weights from the cache.
    from ember.vision import models
    src = models.resnet18()
    ckpt = os.path.join(hub.get_dir(), "checkpoints")
    os.makedirs(ckpt)
    ember.save(src.state_dict(), os.path.join(ckpt, "resnet18-f37072fd.pth"))
    monkeypatch.setenv("EMBER_HUB_GITHUB_URL", "http://127.0.0.1:9")  # any network use would fail
    with pytest.warns(UserWarning):
        m = hub.load("pytorch/vision:v0.10.0", "resnet18", pretrained=True)
    assert type(m).__name__ == "ResNet"
    np.testing.assert_array_equal(m.fc.weight.detach().numpy(), src.fc.weight.detach().numpy())
    assert "resnet18" in hub.list("pytorch/vision:v0.10.0")
