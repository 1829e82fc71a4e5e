"""ResNet-50 and the CycleGAN generator forward (no_grad, batch 1 and 8): ember vs torch, as ratios.

    python benchmarks/bench_vision.py [--repeat 3] [--size 224] [--gan-size 256] [--batches 1 8]

Both libraries run the same architecture with the same weights and inputs: ember builds the model,
its state_dict is copied into a torch model built from torch-functional code, and outputs are checked
to agree before timing. Prints one line per case: ember s, torch s, ratio (ember / torch).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)  # run from a checkout


def best_of(fn, repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--gan-size", type=int, default=256)
    ap.add_argument("--batches", type=int, nargs="+", default=[1, 8])
    args = ap.parse_args()

    import ember
    import torch
    from ember.vision import models
    from ember.vision.models.cyclegan import ResNetGenerator
    from tests.vision import _torch_refs as R

    cases = [("resnet50", models.resnet50(), lambda sd, x: R.resnet(sd, x, True, [3, 4, 6, 3]), args.size),
             ("cyclegan_generator", ResNetGenerator(), lambda sd, x: R.cyclegan(sd, x, 9), args.gan_size)]
    print(f"{'case':<28}{'ember s':>10}{'torch s':>10}{'ratio':>8}")
    for name, model, ref, size in cases:
        model.eval()
        sd = R.random_state_dict(model)
        model.load_state_dict({k: ember.from_numpy(v) for k, v in sd.items()})
        tsd = R.to_torch(sd)
        for b in args.batches:
            x = np.random.default_rng(b).random((b, 3, size, size), dtype=np.float32)
            ex, tx = ember.from_numpy(x), torch.from_numpy(x)

            def run_ember():
                with ember.no_grad():
                    return model(ex)

            def run_torch():
                with torch.no_grad():
                    return ref(tsd, tx)
            np.testing.assert_allclose(run_ember().numpy(), run_torch().numpy(), rtol=1e-3, atol=1e-3)
            te, tt = best_of(run_ember, args.repeat), best_of(run_torch, args.repeat)
            print(f"{name + f' b={b} {size}px':<28}{te:>10.3f}{tt:>10.3f}{te / tt:>8.2f}", flush=True)


if __name__ == "__main__":
    main()
