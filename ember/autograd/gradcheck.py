"""Finite-difference gradient checks (in progress)."""


def gradcheck(*a, **k):
    raise NotImplementedError


def gradgradcheck(*a, **k):
    raise NotImplementedError
