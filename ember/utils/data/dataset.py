"""Dataset classes mirroring ``torch.utils.data.dataset``."""
from __future__ import annotations

import bisect
import math
import warnings
from collections.abc import Iterable
from typing import Any, Generic, Iterator, Sequence, TypeVar

import ember

__all__ = [
    "Dataset",
    "IterableDataset",
    "TensorDataset",
    "StackDataset",
    "ConcatDataset",
    "ChainDataset",
    "Subset",
    "random_split",
]

T_co = TypeVar("T_co", covariant=True)
T = TypeVar("T")


class Dataset(Generic[T_co]):
    """An abstract map-style dataset: subclasses implement ``__getitem__`` (and usually ``__len__``)."""

    def __getitem__(self, index) -> T_co:
        """Return the sample at ``index``."""
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    # No default __len__: ``len()`` of a dataset without one must raise TypeError as in torch.

    def __add__(self, other: "Dataset[T_co]") -> "ConcatDataset[T_co]":
        """Concatenate two datasets."""
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co], Iterable):
    """An abstract iterable-style dataset: subclasses implement ``__iter__``."""

    def __add__(self, other: Dataset[T_co]) -> "ChainDataset":
        """Chain two iterable datasets."""
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Dataset wrapping tensors; sample ``i`` is ``tuple(t[i] for t in tensors)``."""

    def __init__(self, *tensors) -> None:
        """Store tensors that share their first dimension."""
        if any(tensors[0].size(0) != tensor.size(0) for tensor in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        """Return the ``index``-th row of every tensor."""
        return tuple(tensor[index] for tensor in self.tensors)

    def __len__(self) -> int:
        """Size of the first dimension."""
        return self.tensors[0].size(0)


class StackDataset(Dataset):
    """Dataset that zips several datasets into tuples (``*args``) or dicts (``**kwargs``)."""

    def __init__(self, *args: Dataset, **kwargs: Dataset) -> None:
        """Zip equal-length datasets."""
        if args:
            if kwargs:
                raise ValueError(
                    "Supported either ``tuple``- (via ``args``) or"
                    "``dict``- (via ``kwargs``) like input/output, but both types are given."
                )
            self._length = len(args[0])
            if any(self._length != len(dataset) for dataset in args):
                raise ValueError("Size mismatch between datasets")
            self.datasets: Any = args
        elif kwargs:
            values = list(kwargs.values())
            self._length = len(values[0])
            if any(self._length != len(dataset) for dataset in values):
                raise ValueError("Size mismatch between datasets")
            self.datasets = kwargs
        else:
            raise ValueError("At least one dataset should be passed")

    def __getitem__(self, index):
        """Return the zipped sample."""
        if isinstance(self.datasets, dict):
            return {k: dataset[index] for k, dataset in self.datasets.items()}
        return tuple(dataset[index] for dataset in self.datasets)

    @staticmethod
    def _column(dataset, indices: list) -> list:
        # Use the child's batched fetch when it has one (as the DataLoader fetcher would).
        if callable(getattr(dataset, "__getitems__", None)):
            items = dataset.__getitems__(indices)
            if len(items) != len(indices):
                raise ValueError(
                    "Nested dataset's output size mismatch."
                    f" Expected {len(indices)}, got {len(items)}"
                )
            return list(items)
        return [dataset[idx] for idx in indices]

    def __getitems__(self, indices: list) -> list:
        """Return a list of zipped samples for ``indices``."""
        if isinstance(self.datasets, dict):
            batch: list[dict] = [{} for _ in indices]
            for key, dataset in self.datasets.items():
                for sample, item in zip(batch, self._column(dataset, indices)):
                    sample[key] = item
            return batch
        columns = [self._column(dataset, indices) for dataset in self.datasets]
        return [tuple(row) for row in zip(*columns)] if columns else [() for _ in indices]

    def __len__(self) -> int:
        """Common length of the zipped datasets."""
        return self._length


class ConcatDataset(Dataset[T_co]):
    """Concatenation of map-style datasets."""

    @staticmethod
    def cumsum(sequence) -> list[int]:
        """Running totals of the dataset lengths."""
        out, total = [], 0
        for dataset in sequence:
            total += len(dataset)
            out.append(total)
        return out

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        """Concatenate ``datasets`` (none may be an IterableDataset)."""
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise AssertionError("datasets should not be an empty iterable")
        for dataset in self.datasets:
            if isinstance(dataset, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self) -> int:
        """Total length."""
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        """Route ``idx`` to the dataset that holds it."""
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        dataset_idx = bisect.bisect_right(self.cumulative_sizes, idx)
        sample_idx = idx if dataset_idx == 0 else idx - self.cumulative_sizes[dataset_idx - 1]
        return self.datasets[dataset_idx][sample_idx]


class ChainDataset(IterableDataset):
    """Chains iterable datasets one after the other (lazily)."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        """Chain ``datasets``."""
        super().__init__()
        self.datasets = datasets

    def __iter__(self) -> Iterator:
        """Yield from each dataset in turn."""
        for dataset in self.datasets:
            if not isinstance(dataset, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from dataset

    def __len__(self) -> int:
        """Sum of the chained lengths."""
        total = 0
        for dataset in self.datasets:
            if not isinstance(dataset, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            total += len(dataset)
        return total


class Subset(Dataset[T_co]):
    """A dataset restricted to ``indices``."""

    def __init__(self, dataset: Dataset[T_co], indices: Sequence[int]) -> None:
        """View ``dataset`` through ``indices``."""
        self.dataset = dataset
        self.indices = indices
        # A subclass overriding only __getitem__ would be silently bypassed by batched fetches.
        if type(self).__getitem__ is not Subset.__getitem__ and type(self).__getitems__ is Subset.__getitems__:
            raise NotImplementedError(
                f"{type(self).__name__} overrides __getitem__ but not __getitems__. "
                "When subclassing Subset and overriding __getitem__, you must also override "
                "__getitems__ to ensure DataLoader works correctly with your custom logic. "
                "A simple implementation:\n\n"
                "def __getitems__(self, indices):\n"
                "    return [self.__getitem__(idx) for idx in indices]"
            )

    def __getitem__(self, idx):
        """Return ``dataset[indices[idx]]`` (a list ``idx`` maps elementwise)."""
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list[int]) -> list:
        """Batched fetch, delegated to the parent's ``__getitems__`` when it has one."""
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[idx] for idx in indices])
        return [self.dataset[self.indices[idx]] for idx in indices]

    def __len__(self) -> int:
        """Number of selected indices."""
        return len(self.indices)


def random_split(dataset: Dataset[T], lengths: Sequence[int | float], generator=None) -> list[Subset[T]]:
    """Randomly split ``dataset`` into non-overlapping subsets of the given lengths or fractions."""
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        subset_lengths: list[int] = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            subset_lengths.append(math.floor(len(dataset) * frac))
        remainder = len(dataset) - sum(subset_lengths)
        # Hand out the rounding remainder one by one, round robin, as torch does.
        for i in range(remainder):
            subset_lengths[i % len(subset_lengths)] += 1
        lengths = subset_lengths
        for i, length in enumerate(lengths):
            if length == 0:
                warnings.warn(
                    f"Length of split at index {i} is 0. This might result in an empty dataset.",
                    stacklevel=2,
                )
    if sum(lengths) != len(dataset):
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    indices = ember.randperm(sum(lengths), generator=generator).tolist()
    out, offset = [], 0
    for length in lengths:
        out.append(Subset(dataset, indices[offset:offset + length]))
        offset += length
    return out
