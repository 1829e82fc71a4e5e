"""Run the examples end to end (the digits CNN trains to >95% and its checkpoint reloads)."""
import os
import re
import subprocess
import sys
import time

import numpy as np

from tests._oracle import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_train_digits_example(tmp_path):
    ckpt = tmp_path / "digits.pt"
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    start = time.time()
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "train_digits.py"),
                           "--checkpoint", str(ckpt)], capture_output=True, text=True, env=env,
                          timeout=300)
    elapsed = time.time() - start
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    m = re.search(r"final test accuracy \(reloaded checkpoint, epoch 8\): ([0-9.]+)", out)
    assert m, out[-2000:]
    assert float(m.group(1)) > 0.95
    assert "epoch  1: train loss" in out and "saved checkpoint to" in out
    assert elapsed < 180, f"example took {elapsed:.0f}s"
    assert ckpt.exists()
    _check_checkpoint_in_torch(str(ckpt), float(m.group(1)))


def _check_checkpoint_in_torch(path, acc):
    """The ember checkpoint loads into an identical torch model with the same test accuracy."""
    if torch is None:  # pragma: no cover - the oracle is always installed in CI
        return
    sys.path.insert(0, os.path.join(ROOT, "examples"))
    try:
        import train_digits as T
    finally:
        sys.path.pop(0)
    ckpt = torch.load(path, weights_only=True)
    nn = torch.nn
    model = nn.Module()
    model.features = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
                                   nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1),
                                   nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2))
    model.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(128, 10))
    model.load_state_dict(ckpt["model"])
    model.eval()
    _, _, x_test, y_test = T.load_data(0)
    with torch.no_grad():
        pred = model.classifier(model.features(torch.from_numpy(x_test.numpy()))).argmax(1)
    tacc = (pred.numpy() == y_test.numpy()).mean()
    assert abs(tacc - acc) < 5.1e-5  # the example prints 4 decimals
    assert ckpt["optimizer"]["param_groups"][0]["params"] == list(range(10))
    assert np.isfinite(ckpt["optimizer"]["state"][0]["exp_avg"].numpy()).all()
