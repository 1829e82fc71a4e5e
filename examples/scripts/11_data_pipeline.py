"""The torch.utils.data toolbox: map-style and iterable datasets, Subset/ConcatDataset,
samplers (Sequential, Random, WeightedRandom, Batch), custom collate_fn, workers and
get_worker_info, drop_last, default_collate on nested samples."""
import math

import torch
from torch.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset, IterableDataset,
                              RandomSampler, SequentialSampler, Subset, TensorDataset,
                              WeightedRandomSampler, default_collate, get_worker_info)


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {"x": torch.tensor([i, i * i], dtype=torch.float32), "y": i % 3, "name": f"item{i}"}


class RangeStream(IterableDataset):
    def __init__(self, start, end):
        self.start, self.end = start, end

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            lo, hi = self.start, self.end
        else:
            per = int(math.ceil((self.end - self.start) / info.num_workers))
            lo = self.start + info.id * per
            hi = min(lo + per, self.end)
        return iter(range(lo, hi))


def pad_collate(batch):
    seqs = [torch.arange(n) for n in batch]
    lengths = torch.tensor([len(s) for s in seqs])
    out = torch.zeros(len(seqs), int(lengths.max()), dtype=torch.long)
    for i, s in enumerate(seqs):
        out[i, : len(s)] = s
    return out, lengths


def main():
    torch.manual_seed(0)
    ds = Squares(10)
    print("len:", len(ds), "item 3:", ds[3])
    batch = default_collate([ds[0], ds[1], ds[2]])
    print("default_collate:", batch)

    loader = DataLoader(ds, batch_size=4)
    for b in loader:
        print("batch x:", b["x"].tolist(), "y:", b["y"], "names:", b["name"])
    print("len(loader):", len(loader), "drop_last:", len(DataLoader(ds, batch_size=4, drop_last=True)))

    sub = Subset(ds, [9, 0, 5])
    print("subset ys:", [sub[i]["y"] for i in range(len(sub))])
    cat = ConcatDataset([TensorDataset(torch.arange(3)), TensorDataset(torch.arange(10, 14))])
    print("concat:", len(cat), [cat[i][0].item() for i in range(len(cat))], cat.cumulative_sizes)

    print("sequential:", list(SequentialSampler(range(5))))
    rs = list(RandomSampler(range(6)))
    print("random sampler is a permutation:", sorted(rs) == list(range(6)))
    rs_repl = list(RandomSampler(range(6), replacement=True, num_samples=20))
    print("with replacement:", len(rs_repl), all(0 <= i < 6 for i in rs_repl))
    w = WeightedRandomSampler([0.0, 0.0, 1.0, 0.0], num_samples=5, replacement=True)
    print("weighted picks only index 2:", list(w))
    print("batch sampler:", list(BatchSampler(SequentialSampler(range(7)), batch_size=3, drop_last=False)))
    print("batch sampler drop_last:", list(BatchSampler(range(7), batch_size=3, drop_last=True)))

    loader = DataLoader([3, 1, 4, 1, 5], batch_size=2, collate_fn=pad_collate)
    for padded, lengths in loader:
        print("padded:", padded.tolist(), "lengths:", lengths.tolist())

    stream = RangeStream(0, 10)
    print("stream, main process:", [int(b) for b in DataLoader(stream, batch_size=None)])
    got = sorted(int(x) for b in DataLoader(stream, batch_size=2, num_workers=2) for x in b)
    print("stream, 2 workers:", got)

    tds = TensorDataset(torch.arange(12.0).reshape(6, 2), torch.arange(6))
    loader = DataLoader(tds, batch_size=4, shuffle=True, num_workers=2,
                        generator=torch.Generator().manual_seed(3), persistent_workers=True)
    seen = []
    for epoch in range(2):
        for xb, yb in loader:
            seen.extend(yb.tolist())
            assert torch.equal(xb[:, 0], yb.float() * 2)
    print("two shuffled epochs cover everything twice:", sorted(seen) == sorted(list(range(6)) * 2))
    print("batch dtypes:", xb.dtype, yb.dtype)

    g1 = torch.Generator().manual_seed(42)
    g2 = torch.Generator().manual_seed(42)
    order1 = [y.tolist() for _, y in DataLoader(tds, batch_size=3, shuffle=True, generator=g1)]
    order2 = [y.tolist() for _, y in DataLoader(tds, batch_size=3, shuffle=True, generator=g2)]
    print("same generator seed, same order:", order1 == order2)
    train, val = torch.utils.data.random_split(range(10), [0.8, 0.2], generator=torch.Generator().manual_seed(0))
    print("random_split sizes:", len(train), len(val), "disjoint:", not set(train) & set(val))


if __name__ == "__main__":
    main()
