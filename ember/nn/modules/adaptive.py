"""AdaptiveLogSoftmaxWithLoss: a softmax over many classes as a head (frequent classes plus one
entry per cluster) and per-cluster tails with smaller hidden sizes (Grave et al., 2016)."""
from __future__ import annotations

from .. import functional as F
from .container import ModuleList, Sequential
from .linear import Linear
from .module import Module

__all__ = ["AdaptiveLogSoftmaxWithLoss"]


def _asm_output(output, loss):
    from ...ops.reduction import _return_type
    return _return_type("_ASMoutput", ("output", "loss"))((output, loss))


class AdaptiveLogSoftmaxWithLoss(Module):
    """Efficient softmax approximation over n_classes split at cutoffs."""

    def __init__(self, in_features: int, n_classes: int, cutoffs, div_value: float = 4.0,
                 head_bias: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1 or \
                len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted in an "
                             "increasing order, where each value is between 1 and n_classes-1")
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        kw = {"device": device, "dtype": dtype}
        self.head = Linear(in_features, self.head_size, bias=head_bias, **kw)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hsz = int(in_features // (div_value ** (i + 1)))
            osz = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hsz, bias=False, **kw),
                                        Linear(hsz, osz, bias=False, **kw)))

    def reset_parameters(self) -> None:
        self.head.reset_parameters()
        for seq in self.tail:
            for lin in seq:
                lin.reset_parameters()

    def forward(self, input, target):
        """(per-sample log-probability of the target, mean negative log-likelihood)."""
        unbatched = input.dim() == 1
        if unbatched:
            if target.dim() != 0:
                raise RuntimeError("1D target tensor expects 1D input tensors, but found inputs with size",
                                   tuple(input.shape))
            input, target = input.unsqueeze(0), target.unsqueeze(0)
        elif input.dim() != 2 or target.dim() != 1:
            raise RuntimeError("1D target tensor expects 2D input tensors or 0D target tensor expects "
                               "1D input tensors")
        if input.shape[0] != target.shape[0]:
            raise RuntimeError("Input and target should have the same size in the batch dimension.")
        n = input.shape[0]
        from ... import zeros
        output = zeros(n, dtype=input.dtype)
        gather = target.clone()
        bounds = [0] + self.cutoffs
        used = 0
        for i in range(len(bounds) - 1):
            low, high = bounds[i], bounds[i + 1]
            mask = (target >= low) & (target < high)
            rows = mask.nonzero().reshape(-1)
            if rows.numel() == 0:
                continue
            used += rows.numel()
            if i == 0:
                continue  # shortlist classes: the head's own log-probability (gather = target)
            rel = target[mask] - low
            logp = F.log_softmax(self.tail[i - 1](input.index_select(0, rows)), dim=1)
            output = output.index_copy(0, rows, logp.gather(1, rel.unsqueeze(1)).squeeze(1))
            gather = gather.index_fill(0, rows, self.shortlist_size + i - 1)
        if used != n:
            raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                               f"[{target.min().item()}, {target.max().item()}] were found. ")
        head_logp = F.log_softmax(self.head(input), dim=1)
        output = output + head_logp.gather(1, gather.unsqueeze(1)).squeeze(1)
        loss = (-output).mean()
        return _asm_output(output.squeeze(0) if unbatched else output, loss)

    def _get_full_log_prob(self, input, head_output):
        from ...ops.joining import cat
        head_logp = F.log_softmax(head_output, dim=1)
        parts = [head_logp[:, :self.shortlist_size]]
        for i in range(self.n_clusters):
            cluster = F.log_softmax(self.tail[i](input), dim=1)
            parts.append(cluster + head_logp[:, self.shortlist_size + i].unsqueeze(1))
        return cat(parts, 1)

    def log_prob(self, input):
        """Log-probabilities of every class, (N, n_classes) (or (n_classes,) unbatched)."""
        unbatched = input.dim() == 1
        x = input.unsqueeze(0) if unbatched else input
        out = self._get_full_log_prob(x, self.head(x))
        return out.squeeze(0) if unbatched else out

    def predict(self, input):
        """The most likely class of each input."""
        return self.log_prob(input).argmax(dim=-1)
