"""autograd.functional: jacobian, hessian, vjp, jvp (in progress)."""
