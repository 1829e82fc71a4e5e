"""Variable-length sequences: pad_sequence, PackedSequence, pack/pad conversions."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..._tensor import Tensor

__all__ = ["PackedSequence", "pad_sequence", "unpad_sequence", "pack_padded_sequence",
           "pad_packed_sequence", "pack_sequence", "unpack_sequence",
           "invert_permutation"]


def _E():
    import ember
    return ember


def invert_permutation(permutation):
    """The permutation that undoes permutation (None stays None)."""
    if permutation is None:
        return None
    E = _E()
    out = E.empty_like(permutation)
    out[permutation] = E.arange(permutation.numel(), dtype=permutation.dtype)
    return out


class PackedSequence(namedtuple("PackedSequence",
                                ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """Time-major concatenation of the valid steps of a batch of sequences (torch's layout)."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> "PackedSequence":
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def double(self):
        return self.to(dtype=_E().float64)

    def float(self):
        return self.to(dtype=_E().float32)

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    def is_pinned(self) -> bool:
        return False


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack variable-length tensors (L_i, *) into (T, B, *) (or (B, T, *)), padding the rest."""
    E = _E()
    if isinstance(sequences, Tensor):
        sequences = sequences.unbind(0)
    sequences = list(sequences)
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got "
                         f"{padding_side}.")
    T = max(s.shape[0] for s in sequences)
    rows = []
    for s in sequences:
        extra = T - s.shape[0]
        if extra:
            pad = E.full((extra,) + tuple(s.shape[1:]), padding_value, dtype=s.dtype)
            s = E.cat([s, pad]) if padding_side == "right" else E.cat([pad, s])
        rows.append(s)
    out = E.stack(rows, 0)
    return out if batch_first else out.transpose(0, 1)


def unpad_sequence(padded_sequences, lengths, batch_first: bool = False) -> list:
    """Split a padded batch back into its sequences."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[:int(n)] for seq, n in zip(padded_sequences, lengths)]


def _lengths_list(lengths) -> list:
    if isinstance(lengths, Tensor):
        return [int(v) for v in np.asarray(lengths._host()).reshape(-1)]
    return [int(v) for v in lengths]


def pack_padded_sequence(input, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch given each sequence's length."""
    E = _E()
    lens = _lengths_list(lengths)
    if enforce_sorted:
        if any(lens[i] < lens[i + 1] for i in range(len(lens) - 1)):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when "
                               "`enforce_sorted` is True. You can pass `enforce_sorted=False` to "
                               "pack_padded_sequence and/or pack_sequence to sidestep this "
                               "requirement if you do not need ONNX exportability.")
        sorted_indices = None
    else:
        order = sorted(range(len(lens)), key=lambda i: -lens[i])
        sorted_indices = E.tensor(order, dtype=E.int64)
        lens = [lens[i] for i in order]
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    if min(lens) <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element "
                           "in 'lengths' that is <= 0")
    if batch_first:
        input = input.transpose(0, 1)
    T = lens[0]
    batch_sizes = [sum(1 for n in lens if n > t) for t in range(T)]
    data = E.cat([input[t, :b] for t, b in enumerate(batch_sizes)])
    return PackedSequence(data, E.tensor(batch_sizes, dtype=E.int64), sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length=None):
    """Inverse of pack_padded_sequence: (padded, lengths) in the original batch order."""
    E = _E()
    bs = _lengths_list(sequence.batch_sizes)
    B, T = bs[0], len(bs)
    if total_length is not None:
        if total_length < T:
            raise ValueError("Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {T}")
        T_out = total_length
    else:
        T_out = T
    data = sequence.data
    rest = tuple(data.shape[1:])
    steps, off = [], 0
    for b in bs:
        step = data[off:off + b]
        if b < B:
            step = E.cat([step, E.full((B - b,) + rest, padding_value, dtype=data.dtype)])
        steps.append(step)
        off += b
    for _ in range(T_out - T):
        steps.append(E.full((B,) + rest, padding_value, dtype=data.dtype))
    out = E.stack(steps, 0)
    lengths = [sum(1 for b in bs if b > i) for i in range(B)]
    lengths = E.tensor(lengths, dtype=E.int64)
    if sequence.unsorted_indices is not None:
        out = out.index_select(1, sequence.unsorted_indices)
        lengths = lengths[sequence.unsorted_indices]
    return (out.transpose(0, 1) if batch_first else out), lengths


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of variable-length tensors."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The list of sequences a PackedSequence holds."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
