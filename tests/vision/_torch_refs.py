"""Independent forward passes written with the oracle's torch.nn.functional over a state_dict.

Each follows the architecture as published (paper + torchvision docs), not ember's module code, so a
structural mistake in an ember model shows up as a numeric mismatch.
"""
import numpy as np

from tests._oracle import torch

if torch is not None:
    import torch.nn.functional as TF


def random_state_dict(model, seed=0):
    """name -> numpy array of sane random values for every entry of ``model.state_dict()``."""
    rs = np.random.default_rng(seed)
    out = {}
    for k, v in model.state_dict().items():
        shape = tuple(v.shape)
        if k.endswith("num_batches_tracked"):
            out[k] = np.array(0, dtype=np.int64)
        elif k.endswith("running_var"):
            out[k] = rs.uniform(0.5, 1.5, shape).astype(np.float32)
        elif k.endswith("running_mean") or k.endswith("bias"):
            out[k] = rs.standard_normal(shape, dtype=np.float32) * np.float32(0.1)
        elif len(shape) == 1:  # norm weights
            out[k] = rs.uniform(0.5, 1.0, shape).astype(np.float32)
        else:
            fan_in = int(np.prod(shape[1:]))
            out[k] = rs.standard_normal(shape, dtype=np.float32) * np.float32(np.sqrt(1.0 / max(fan_in, 1)))
    return out


def to_torch(sd):
    return {k: torch.from_numpy(np.array(v)) for k, v in sd.items()}


def _conv(sd, x, p, stride=1, padding=0, groups=1):
    return TF.conv2d(x, sd[p + ".weight"], sd.get(p + ".bias"), stride, padding, 1, groups)


def _bn(sd, x, p):
    return TF.batch_norm(x, sd[p + ".running_mean"], sd[p + ".running_var"], sd[p + ".weight"], sd[p + ".bias"],
                         False, 0.0, 1e-5)


def _lin(sd, x, p):
    return TF.linear(x, sd[p + ".weight"], sd[p + ".bias"])


def resnet(sd, x, bottleneck, layers, groups=1):
    x = TF.relu(_bn(sd, _conv(sd, x, "conv1", 2, 3), "bn1"))
    x = TF.max_pool2d(x, 3, 2, 1)
    for li, n in enumerate(layers):
        for bi in range(n):
            p = f"layer{li + 1}.{bi}"
            stride = 2 if li > 0 and bi == 0 else 1
            if bottleneck:
                out = TF.relu(_bn(sd, _conv(sd, x, p + ".conv1"), p + ".bn1"))
                out = TF.relu(_bn(sd, _conv(sd, out, p + ".conv2", stride, 1, groups), p + ".bn2"))
                out = _bn(sd, _conv(sd, out, p + ".conv3"), p + ".bn3")
            else:
                out = TF.relu(_bn(sd, _conv(sd, x, p + ".conv1", stride, 1), p + ".bn1"))
                out = _bn(sd, _conv(sd, out, p + ".conv2", 1, 1), p + ".bn2")
            idn = x
            if p + ".downsample.0.weight" in sd:
                idn = _bn(sd, _conv(sd, x, p + ".downsample.0", stride), p + ".downsample.1")
            x = TF.relu(out + idn)
    return _lin(sd, TF.adaptive_avg_pool2d(x, 1).flatten(1), "fc")


def alexnet(sd, x):
    for i, (s, p) in zip((0, 3, 6, 8, 10), ((4, 2), (1, 2), (1, 1), (1, 1), (1, 1))):
        x = TF.relu(_conv(sd, x, f"features.{i}", s, p))
        if i in (0, 3, 10):
            x = TF.max_pool2d(x, 3, 2)
    x = TF.adaptive_avg_pool2d(x, (6, 6)).flatten(1)
    x = TF.relu(_lin(sd, x, "classifier.1"))
    x = TF.relu(_lin(sd, x, "classifier.4"))
    return _lin(sd, x, "classifier.6")


def vgg_features(sd, x, cfg, bn):
    i = 0
    for v in cfg:
        if v == "M":
            x = TF.max_pool2d(x, 2, 2)
            i += 1
            continue
        x = _conv(sd, x, f"features.{i}", 1, 1)
        if bn:
            x = _bn(sd, x, f"features.{i + 1}")
        x = TF.relu(x)
        i += 3 if bn else 2
    return TF.adaptive_avg_pool2d(x, (7, 7)).flatten(1)


def mobilenet_v2(sd, x):
    x = TF.relu6(_bn(sd, _conv(sd, x, "features.0.0", 2, 1), "features.0.1"))
    idx = 1
    cin = x.shape[1]
    for t, c, n, s in [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1],
                       [6, 160, 3, 2], [6, 320, 1, 1]]:
        for r in range(n):
            stride = s if r == 0 else 1
            p = f"features.{idx}.conv"
            h, d = x, 0
            if t != 1:
                h = TF.relu6(_bn(sd, _conv(sd, h, p + ".0.0"), p + ".0.1"))
                d = 1
            h = TF.relu6(_bn(sd, _conv(sd, h, f"{p}.{d}.0", stride, 1, groups=h.shape[1]), f"{p}.{d}.1"))
            h = _bn(sd, _conv(sd, h, f"{p}.{d + 1}"), f"{p}.{d + 2}")
            x = x + h if stride == 1 and cin == c else h
            cin = c
            idx += 1
    x = TF.relu6(_bn(sd, _conv(sd, x, f"features.{idx}.0"), f"features.{idx}.1"))
    return _lin(sd, TF.adaptive_avg_pool2d(x, 1).flatten(1), "classifier.1")


def squeezenet(sd, x, version):
    def fire(x, p):
        s = TF.relu(_conv(sd, x, p + ".squeeze"))
        return torch.cat([TF.relu(_conv(sd, s, p + ".expand1x1")), TF.relu(_conv(sd, s, p + ".expand3x3", 1, 1))], 1)
    if version == "1_0":
        pools, fires = (2, 6, 11), (3, 4, 5, 7, 8, 9, 10, 12)
    else:
        pools, fires = (2, 5, 8), (3, 4, 6, 7, 9, 10, 11, 12)
    x = TF.relu(_conv(sd, x, "features.0", 2))
    for i in range(2, 13):
        x = TF.max_pool2d(x, 3, 2, ceil_mode=True) if i in pools else fire(x, f"features.{i}")
    x = TF.relu(_conv(sd, x, "classifier.1"))
    return TF.adaptive_avg_pool2d(x, 1).flatten(1)


def densenet121(sd, x):
    x = TF.relu(_bn(sd, _conv(sd, x, "features.conv0", 2, 3), "features.norm0"))
    x = TF.max_pool2d(x, 3, 2, 1)
    for b, n in enumerate((6, 12, 24, 16)):
        feats = [x]
        for layer in range(n):
            p = f"features.denseblock{b + 1}.denselayer{layer + 1}"
            h = _conv(sd, TF.relu(_bn(sd, torch.cat(feats, 1), p + ".norm1")), p + ".conv1")
            feats.append(_conv(sd, TF.relu(_bn(sd, h, p + ".norm2")), p + ".conv2", 1, 1))
        x = torch.cat(feats, 1)
        if b < 3:
            t = f"features.transition{b + 1}"
            x = TF.avg_pool2d(_conv(sd, TF.relu(_bn(sd, x, t + ".norm")), t + ".conv"), 2, 2)
    x = TF.relu(_bn(sd, x, "features.norm5"))
    return _lin(sd, TF.adaptive_avg_pool2d(x, 1).flatten(1), "classifier")


def cyclegan(sd, x, n_blocks):
    def inorm(h):
        return TF.instance_norm(h, eps=1e-5)
    x = TF.relu(inorm(_conv(sd, TF.pad(x, (3, 3, 3, 3), mode="reflect"), "model.1")))
    x = TF.relu(inorm(_conv(sd, x, "model.4", 2, 1)))
    x = TF.relu(inorm(_conv(sd, x, "model.7", 2, 1)))
    for i in range(10, 10 + n_blocks):
        p = f"model.{i}.conv_block"
        h = TF.relu(inorm(_conv(sd, TF.pad(x, (1, 1, 1, 1), mode="reflect"), p + ".1")))
        h = inorm(_conv(sd, TF.pad(h, (1, 1, 1, 1), mode="reflect"), p + ".5"))
        x = x + h
    for i in (10 + n_blocks, 13 + n_blocks):
        x = TF.conv_transpose2d(x, sd[f"model.{i}.weight"], sd[f"model.{i}.bias"], 2, 1, 1)
        x = TF.relu(inorm(x))
    x = _conv(sd, TF.pad(x, (3, 3, 3, 3), mode="reflect"), f"model.{17 + n_blocks}")
    return torch.tanh(x)
