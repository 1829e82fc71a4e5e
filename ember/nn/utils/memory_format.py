"""nn.utils.convert_conv{2,3}d_weight_memory_format: relayout convolution weights in place."""
from __future__ import annotations


def _convert(module, memory_format, kinds):
    from ...autograd.grad_mode import no_grad
    if isinstance(module, kinds):
        with no_grad():
            weight = module.weight.detach().clone(memory_format=memory_format)
            module.weight.data = weight.resize_(weight.size(), memory_format=memory_format)
    for child in module.children():
        _convert(child, memory_format, kinds)
    return module


def convert_conv2d_weight_memory_format(module, memory_format):
    """Give every Conv2d/ConvTranspose2d weight in module the memory format (e.g. channels_last)."""
    from ..modules.conv import Conv2d, ConvTranspose2d
    return _convert(module, memory_format, (Conv2d, ConvTranspose2d))


def convert_conv3d_weight_memory_format(module, memory_format):
    """Give every Conv3d/ConvTranspose3d weight in module the memory format (channels_last_3d)."""
    from ..modules.conv import Conv3d, ConvTranspose3d
    return _convert(module, memory_format, (Conv3d, ConvTranspose3d))
