"""Recurrent layers: RNN, LSTM (with projections), GRU and their single-step cells.

Each layer precomputes the input projection for every time step with one matmul, then loops over
time with ember ops, so autograd (including double backward) comes from the ops themselves.
Gate order follows torch: LSTM (i, f, g, o), GRU (r, z, n).
"""
from __future__ import annotations

import math

from ... import _dtype as D
from ...ops.creation import empty, zeros
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _stack(ts, dim=0):
    from ... import stack
    return stack(ts, dim)


def _cat(ts, dim=0):
    from ... import cat
    return cat(ts, dim)


def _lstm_step(gi, h, c, w_hh, b_hh, w_hr):
    gates = gi + F.linear(h, w_hh, b_hh)
    i, f, g, o = gates.chunk(4, -1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    h = o.sigmoid() * c.tanh()
    if w_hr is not None:
        h = F.linear(h, w_hr)
    return h, c


def _gru_step(gi, h, w_hh, b_hh):
    gh = F.linear(h, w_hh, b_hh)
    i_r, i_z, i_n = gi.chunk(3, -1)
    h_r, h_z, h_n = gh.chunk(3, -1)
    r = (i_r + h_r).sigmoid()
    z = (i_z + h_z).sigmoid()
    n = (i_n + r * h_n).tanh()
    return n + z * (h - n)


def _rnn_step(gi, h, w_hh, b_hh, relu):
    pre = gi + F.linear(h, w_hh, b_hh)
    return pre.relu() if relu else pre.tanh()


class RNNBase(Module):
    """Shared parameter layout, checks and the layer/direction loop of RNN, LSTM and GRU."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None, dtype=None) -> None:
        super().__init__()
        if not isinstance(dropout, (int, float)) or not 0 <= dropout <= 1 or \
                isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            import warnings
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=3)
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        fk = {"device": device, "dtype": dtype or D.get_default_dtype()}
        gate = _GATES[mode] * hidden_size
        ndir = 2 if bidirectional else 1
        real_h = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(ndir):
                layer_in = input_size if layer == 0 else real_h * ndir
                sfx = "_reverse" if direction == 1 else ""
                names = [f"weight_ih_l{layer}{sfx}", f"weight_hh_l{layer}{sfx}"]
                shapes = [(gate, layer_in), (gate, real_h)]
                if bias:
                    names += [f"bias_ih_l{layer}{sfx}", f"bias_hh_l{layer}{sfx}"]
                    shapes += [(gate,), (gate,)]
                if proj_size > 0:
                    names.append(f"weight_hr_l{layer}{sfx}")
                    shapes.append((proj_size, hidden_size))
                for n, s in zip(names, shapes):
                    setattr(self, n, Parameter(empty(s, **fk)))
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """No-op (kept for API compatibility: weights are always usable as they are)."""

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    def __setstate__(self, state):
        super().__setstate__(state)
        self.__dict__.setdefault("proj_size", 0)

    # ---- forward ---------------------------------------------------------------------------
    def _check_input(self, input) -> None:
        if input.dim() not in (2, 3):
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got "
                             f"{input.dim()}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]}")

    def _check_hidden(self, hx, expected, msg="Expected hidden size {}, got {}") -> None:
        if tuple(hx.shape) != tuple(expected):
            raise RuntimeError(msg.format(tuple(expected), list(hx.shape)))

    def _run(self, x, h0s, c0s, masks=None):
        """x: (L, N, H_in); h0s/c0s: per (layer, direction) initial states. Returns out, hs, cs.

        masks (packed input): per step a (N, 1) 0/1 tensor of the sequences still running; a
        finished sequence keeps its state and emits zeros.
        """
        ndir = 2 if self.bidirectional else 1
        hs, cs = [], []
        layer_in = x
        for layer in range(self.num_layers):
            outs = []
            for direction in range(ndir):
                idx = layer * ndir + direction
                w = [getattr(self, n) for n in self._all_weights[idx]]
                w_ih, w_hh = w[0], w[1]
                b_ih = w[2] if self.bias else None
                b_hh = w[3] if self.bias else None
                w_hr = w[-1] if self.proj_size > 0 else None
                gi_all = F.linear(layer_in, w_ih, b_ih)
                steps = range(gi_all.shape[0])
                if direction == 1:
                    steps = reversed(steps)
                h = h0s[idx]
                c = c0s[idx] if c0s is not None else None
                seq = [None] * gi_all.shape[0]
                for t in steps:
                    gi = gi_all[t]
                    if self.mode == "LSTM":
                        hn, cn = _lstm_step(gi, h, c, w_hh, b_hh, w_hr)
                    elif self.mode == "GRU":
                        hn, cn = _gru_step(gi, h, w_hh, b_hh), None
                    else:
                        hn, cn = _rnn_step(gi, h, w_hh, b_hh, self.mode == "RNN_RELU"), None
                    if masks is None:
                        h, c = hn, cn
                        seq[t] = h
                    else:
                        keep = masks[t]
                        h = _where(keep, hn, h)
                        c = _where(keep, cn, c) if cn is not None else None
                        seq[t] = hn * keep.to(hn.dtype)
                outs.append(_stack(seq, 0))
                hs.append(h)
                if c is not None:
                    cs.append(c)
            layer_out = outs[0] if ndir == 1 else _cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_out = F.dropout(layer_out, self.dropout, True)
            layer_in = layer_out
        return layer_in, hs, cs

    def _forward(self, input, hx, lstm: bool):
        from ..utils.rnn import PackedSequence
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx, lstm)
        self._check_input(input)
        batched = input.dim() == 3
        if not batched:
            input = input.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        N = input.shape[1]
        ndir = 2 if self.bidirectional else 1
        real_h = self.proj_size if self.proj_size > 0 else self.hidden_size
        hshape = (self.num_layers * ndir, N, real_h)
        cshape = (self.num_layers * ndir, N, self.hidden_size)
        if hx is None:
            h0 = zeros(hshape, dtype=input.dtype, device=input.device)
            c0 = zeros(cshape, dtype=input.dtype, device=input.device) if lstm else None
        else:
            if lstm:
                if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                    raise RuntimeError("LSTM expects hx to be a tuple (h_0, c_0)")
                h0, c0 = hx
            else:
                h0, c0 = hx, None
            if not batched:
                if h0.dim() != 2:
                    raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got "
                                       f"{h0.dim()}-D tensor")
                h0 = h0.unsqueeze(1)
                c0 = c0.unsqueeze(1) if c0 is not None else None
            elif h0.dim() != 3:
                raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got "
                                   f"{h0.dim()}-D tensor")
            self._check_hidden(h0, hshape)
            if c0 is not None:
                self._check_hidden(c0, cshape, "Expected hidden[1] size {}, got {}")
        h0s = h0.unbind(0)
        c0s = c0.unbind(0) if c0 is not None else None
        out, hs, cs = self._run(input, h0s, c0s)
        h_n = _stack(hs, 0)
        c_n = _stack(cs, 0) if lstm else None
        if not batched:
            out = out.squeeze(1)
            h_n = h_n.squeeze(1)
            c_n = c_n.squeeze(1) if c_n is not None else None
        elif self.batch_first:
            out = out.transpose(0, 1)
        return out, ((h_n, c_n) if lstm else h_n)


    def _forward_packed(self, packed, hx, lstm: bool):
        from ...ops.creation import tensor
        from ..utils.rnn import PackedSequence, pad_packed_sequence
        sorted_idx, unsorted_idx = packed.sorted_indices, packed.unsorted_indices
        inner = PackedSequence(packed.data, packed.batch_sizes, None, None)
        padded, lengths = pad_packed_sequence(inner)
        lens = lengths.tolist()
        masks = [tensor([[n > t] for n in lens]) for t in range(padded.shape[0])]
        if hx is not None and sorted_idx is not None:
            if lstm:
                hx = (hx[0].index_select(1, sorted_idx), hx[1].index_select(1, sorted_idx))
            else:
                hx = hx.index_select(1, sorted_idx)
        out, hn = self._forward_masked(padded, hx, lstm, masks)
        from ... import cat
        bs = packed.batch_sizes.tolist()
        data = cat([out[t, :b] for t, b in enumerate(bs)])
        if unsorted_idx is not None:
            if lstm:
                hn = (hn[0].index_select(1, unsorted_idx), hn[1].index_select(1, unsorted_idx))
            else:
                hn = hn.index_select(1, unsorted_idx)
        return PackedSequence(data, packed.batch_sizes, sorted_idx, unsorted_idx), hn

    def _forward_masked(self, input, hx, lstm, masks):
        N = input.shape[1]
        ndir = 2 if self.bidirectional else 1
        real_h = self.proj_size if self.proj_size > 0 else self.hidden_size
        hshape = (self.num_layers * ndir, N, real_h)
        cshape = (self.num_layers * ndir, N, self.hidden_size)
        if hx is None:
            h0 = zeros(hshape, dtype=input.dtype, device=input.device)
            c0 = zeros(cshape, dtype=input.dtype, device=input.device) if lstm else None
        else:
            h0, c0 = hx if lstm else (hx, None)
            self._check_hidden(h0, hshape)
            if c0 is not None:
                self._check_hidden(c0, cshape, "Expected hidden[1] size {}, got {}")
        out, hs, cs = self._run(input, h0.unbind(0), c0.unbind(0) if c0 is not None else None,
                                masks)
        h_n = _stack(hs, 0)
        return out, ((h_n, _stack(cs, 0)) if lstm else h_n)


def _where(cond, a, b):
    from ...ops.pointwise import where
    return where(cond, a, b)


class RNN(RNNBase):
    """Elman RNN with tanh or ReLU nonlinearity."""

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if len(args) > 3:
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__(mode, *args, **kwargs)
        self.__dict__["nonlinearity"] = nonlinearity

    def forward(self, input, hx=None):
        """Returns (output, h_n)."""
        return self._forward(input, hx, False)


class LSTM(RNNBase):
    """Long short-term memory (optionally with projected hidden state)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("LSTM", *args, **kwargs)

    def forward(self, input, hx=None):
        """Returns (output, (h_n, c_n))."""
        return self._forward(input, hx, True)


class GRU(RNNBase):
    """Gated recurrent unit."""

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input, hx=None):
        """Returns (output, h_n)."""
        return self._forward(input, hx, False)


class RNNCellBase(Module):
    """Shared parameters of the single-step cells."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None) -> None:
        super().__init__()
        fk = {"device": device, "dtype": dtype or D.get_default_dtype()}
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(empty((num_chunks * hidden_size, input_size), **fk))
        self.weight_hh = Parameter(empty((num_chunks * hidden_size, hidden_size), **fk))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, **fk))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, **fk))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nl = self.__dict__.get("nonlinearity", "tanh")
        if nl != "tanh":
            s += f", nonlinearity={nl}"
        return s

    def _prep(self, input, hx, name):
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if hx is not None and not isinstance(hx, tuple) and hx.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected hidden to be 1D or 2D, got {hx.dim()}D instead")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        if input.shape[1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[1]} expected "
                               f"{self.input_size}")
        return input, batched

    def _zeros(self, input):
        return zeros((input.shape[0], self.hidden_size), dtype=input.dtype, device=input.device)


class RNNCell(RNNCellBase):
    """One Elman RNN step."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        if nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {nonlinearity}")
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        input, batched = self._prep(input, hx, "RNNCell")
        h = self._zeros(input) if hx is None else (hx if batched else hx.unsqueeze(0))
        out = _rnn_step(F.linear(input, self.weight_ih, self.bias_ih), h, self.weight_hh,
                        self.bias_hh, self.nonlinearity == "relu")
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step: returns (h', c')."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        input, batched = self._prep(input, hx, "LSTMCell")
        if hx is None:
            h = c = self._zeros(input)
        else:
            h, c = hx if batched else (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        h, c = _lstm_step(F.linear(input, self.weight_ih, self.bias_ih), h, c, self.weight_hh,
                          self.bias_hh, None)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        input, batched = self._prep(input, hx, "GRUCell")
        h = self._zeros(input) if hx is None else (hx if batched else hx.unsqueeze(0))
        out = _gru_step(F.linear(input, self.weight_ih, self.bias_ih), h, self.weight_hh,
                        self.bias_hh)
        return out if batched else out.squeeze(0)
