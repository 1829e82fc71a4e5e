"""Regenerate the torchvision fixtures in this folder (needs torchvision; NOT run by the test suite).

    python -m venv /tmp/tvenv && /tmp/tvenv/bin/pip install torch==2.14.1 torchvision==0.29.1 pillow
    /tmp/tvenv/bin/python tests/vision/data/regen_torchvision_fixtures.py
"""
import gzip
import json
import os
import sys
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
warnings.filterwarnings("ignore")

MODELS = ["alexnet", "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d",
          "wide_resnet50_2", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn",
          "mobilenet_v2", "squeezenet1_0", "squeezenet1_1", "densenet121"]


def main() -> None:
    import torch
    import torchvision.transforms as T
    import torchvision.transforms.functional as F
    from PIL import Image
    from torchvision import models as M
    from _transform_cases import cases, stats, synthetic_image

    out = {}
    for n in MODELS:
        m = getattr(M, n)()
        w = M.get_model_weights(n)
        out[n] = {"repr": repr(m), "keys": [[k, list(v.shape), str(v.dtype)] for k, v in m.state_dict().items()],
                  "params": [k for k, _ in m.named_parameters()], "buffers": [k for k, _ in m.named_buffers()],
                  "weights": {e.name: {"url": e.url, "transforms": repr(e.transforms())} for e in w},
                  "default": w.DEFAULT.name, "enum": w.__name__}
    with gzip.open(os.path.join(HERE, "torchvision_models.json.gz"), "wt") as f:
        json.dump(out, f, separators=(",", ":"))

    pil = Image.fromarray(synthetic_image())
    t = F.pil_to_tensor(pil)
    golden = {}
    for name, case in cases().items():
        r = case(T, F, pil, t, torch)
        golden[name] = stats(r.numpy() if isinstance(r, torch.Tensor) else np.asarray(r))
    with open(os.path.join(HERE, "torchvision_transforms.json"), "w") as f:
        json.dump(golden, f, indent=0)


if __name__ == "__main__":
    main()
