"""Every nn layer, one concept per file."""
from .module import Module, register_module_forward_hook, register_module_forward_pre_hook
from .container import Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict

# ---- layer modules (the nn helper adds import lines below) ----
