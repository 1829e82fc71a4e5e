"""Index samplers mirroring ``torch.utils.data.sampler``."""
from __future__ import annotations

import itertools
from typing import Generic, Iterable, Iterator, Sequence, Sized, TypeVar

import ember

__all__ = [
    "Sampler",
    "SequentialSampler",
    "RandomSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
    "BatchSampler",
]

T_co = TypeVar("T_co", covariant=True)


class Sampler(Generic[T_co]):
    """Base class of samplers: an iterable over dataset indices (or lists of indices)."""

    def __iter__(self) -> Iterator[T_co]:
        """Yield indices."""
        raise NotImplementedError

    # No default __len__ (see Dataset): len() must raise TypeError when a subclass has none.


def _fresh_generator():
    # torch seeds a private generator from the global RNG so the draw consumes global state once.
    seed = int(ember.empty((), dtype=ember.int64).random_().item())
    generator = ember.Generator()
    generator.manual_seed(seed)
    return generator


class SequentialSampler(Sampler[int]):
    """Yields ``0 .. len(data_source) - 1`` in order."""

    def __init__(self, data_source: Sized) -> None:
        """Sample sequentially from ``data_source``."""
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        """Yield indices in order."""
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        """Length of the data source."""
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """Yields a random permutation (or draws with replacement) of the dataset indices."""

    def __init__(self, data_source: Sized, replacement: bool = False, num_samples: int | None = None,
                 generator=None) -> None:
        """Configure random sampling."""
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={self.replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(
                f"num_samples should be a positive integer value, but got num_samples={self.num_samples}"
            )

    @property
    def num_samples(self) -> int:
        """Number of indices per epoch (the dataset length unless given)."""
        if self._num_samples is None:
            return len(self.data_source)
        return self._num_samples

    def __iter__(self) -> Iterator[int]:
        """Yield random indices."""
        n = len(self.data_source)
        generator = self.generator if self.generator is not None else _fresh_generator()
        if self.replacement:
            # Drawn in chunks of 32 so a partially consumed epoch draws little extra.
            for _ in range(self.num_samples // 32):
                yield from ember.randint(high=n, size=(32,), dtype=ember.int64, generator=generator).tolist()
            yield from ember.randint(high=n, size=(self.num_samples % 32,), dtype=ember.int64,
                                     generator=generator).tolist()
        else:
            for _ in range(self.num_samples // n):
                yield from ember.randperm(n, generator=generator).tolist()
            yield from ember.randperm(n, generator=generator).tolist()[: self.num_samples % n]

    def __len__(self) -> int:
        """Number of indices per epoch."""
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """Yields the given indices in a random order."""

    def __init__(self, indices: Sequence[int], generator=None) -> None:
        """Sample from ``indices`` without replacement."""
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        """Yield a random permutation of ``indices``."""
        for i in ember.randperm(len(self.indices), generator=self.generator).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        """Number of indices."""
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """Yields indices ``0 .. len(weights) - 1`` drawn with probabilities proportional to ``weights``."""

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator=None) -> None:
        """Configure weighted sampling."""
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        weights_tensor = ember.as_tensor(weights, dtype=ember.float64)
        if len(weights_tensor.shape) != 1:
            raise ValueError(
                f"weights should be a 1d sequence but given weights have shape {tuple(weights_tensor.shape)}"
            )
        self.weights = weights_tensor
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        """Yield weighted random indices."""
        drawn = ember.multinomial(self.weights, self.num_samples, self.replacement, generator=self.generator)
        yield from iter(drawn.tolist())

    def __len__(self) -> int:
        """Number of draws."""
        return self.num_samples


class BatchSampler(Sampler[list]):
    """Groups the indices of another sampler into lists of ``batch_size``."""

    def __init__(self, sampler: Sampler[int] | Iterable[int], batch_size: int, drop_last: bool) -> None:
        """Batch ``sampler``."""
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list]:
        """Yield lists of indices."""
        sampler_iter = iter(self.sampler)
        if self.drop_last:
            # zip over one shared iterator stops at the first incomplete batch.
            for batch in zip(*([sampler_iter] * self.batch_size)):
                yield [*batch]
        else:
            batch = [*itertools.islice(sampler_iter, self.batch_size)]
            while batch:
                yield batch
                batch = [*itertools.islice(sampler_iter, self.batch_size)]

    def __len__(self) -> int:
        """Number of batches."""
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
