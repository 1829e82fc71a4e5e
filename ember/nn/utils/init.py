"""nn.utils.skip_init: build a module without running its parameter initialisation."""
from __future__ import annotations

import inspect


def skip_init(module_cls, *args, **kwargs):
    """An instance of module_cls whose parameters are left uninitialised (ember: zero-filled, as
    ember's ``empty``); the random generator is left as it was, as torch's meta-device build does."""
    from ..modules.module import Module
    if not issubclass(module_cls, Module):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    import ember
    state = ember.get_rng_state()
    try:
        module = module_cls(*args, **kwargs)
    finally:
        ember.set_rng_state(state)
    with ember.no_grad():
        for t in list(module.parameters()) + list(module.buffers()):
            t.zero_()
    return module
