"""DataLoader throughput, ember vs torch, on an image-like dataset (~2 ms of NumPy work per item).

Both libraries get the identical dataset code (decode + augment in NumPy, then ``from_numpy``), so
the comparison measures the loaders: batching/collation, worker processes and the transport of
batches back to the main process.

    python benchmarks/bench_dataloader.py [--items 512] [--batch-size 32] [--workers 0 1 2]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import types

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


class ImageDataset:
    """Fake JPEG-ish records: 'decode' (dequantise + upsample), crop, flip, blur and normalise in NumPy."""

    def __init__(self, lib, n: int, size: int = 128, crop: int = 112, passes: int = 9, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.lib, self.n, self.size, self.crop, self.passes = lib, n, size, crop, passes
        self.records = [rng.integers(0, 256, (size // 2, size // 2, 3), dtype=np.uint8).tobytes() for _ in range(n)]
        self.labels = rng.integers(0, 1000, n)
        self.mean = np.array([0.485, 0.456, 0.406], dtype=np.float32)
        self.std = np.array([0.229, 0.224, 0.225], dtype=np.float32)

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int):
        half = self.size // 2
        img = np.frombuffer(self.records[i], dtype=np.uint8).reshape(half, half, 3)
        img = img.repeat(2, axis=0).repeat(2, axis=1).astype(np.float32) / 255.0  # "decode"
        rng = np.random.default_rng(i)
        y, x = rng.integers(0, self.size - self.crop + 1, 2)
        img = img[y:y + self.crop, x:x + self.crop]
        if rng.random() < 0.5:
            img = img[:, ::-1]
        for _ in range(self.passes):  # a separable 3x3 box blur stands in for the heavier transforms
            img = (img[:-2] + img[1:-1] + img[2:]) / 3.0
            img = (img[:, :-2] + img[:, 1:-1] + img[:, 2:]) / 3.0
            img = np.pad(img, ((1, 1), (1, 1), (0, 0)), mode="edge")
        img = (img - self.mean) / self.std
        chw = np.ascontiguousarray(img.transpose(2, 0, 1))
        return self.lib.from_numpy(chw), int(self.labels[i])


def _rate(lib, data_mod, workers: int, items: int, batch_size: int, repeats: int) -> float:
    ds = type("DS", (ImageDataset, data_mod.Dataset), {})(lib, items)
    loader = data_mod.DataLoader(ds, batch_size=batch_size, shuffle=True, num_workers=workers,
                                 persistent_workers=workers > 0)
    best = 0.0
    for _ in range(repeats + 1):  # the first epoch warms up (and starts persistent workers)
        start = time.perf_counter()
        seen = 0
        for images, labels in loader:
            seen += images.shape[0]
        best = max(best, seen / (time.perf_counter() - start))
    del loader
    return best


def main() -> None:
    """Print items/s for each worker count and the ember/torch ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=512)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()

    import ember
    import ember.utils.data as ember_data

    try:
        import torch
        import torch.utils.data as torch_data
    except ImportError:
        torch = torch_data = None

    probe = ImageDataset(types.SimpleNamespace(from_numpy=lambda a: a), 32)
    start = time.perf_counter()
    for i in range(32):
        probe[i]
    per_item_ms = (time.perf_counter() - start) / 32 * 1e3
    print(f"per-item work: {per_item_ms:.2f} ms; {args.items} items, batch {args.batch_size}, cpus {os.cpu_count()}")
    print(f"{'workers':>7} {'ember items/s':>14} {'torch items/s':>14} {'ember/torch':>12}")
    for workers in args.workers:
        e = _rate(ember, ember_data, workers, args.items, args.batch_size, args.repeats)
        if torch is not None:
            t = _rate(torch, torch_data, workers, args.items, args.batch_size, args.repeats)
            print(f"{workers:>7} {e:>14.0f} {t:>14.0f} {e / t:>12.2f}")
        else:
            print(f"{workers:>7} {e:>14.0f} {'-':>14} {'-':>12}")


if __name__ == "__main__":
    main()
