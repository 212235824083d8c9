"""Simulation engines: the vectorised numpy core (and, later, the SimPy DES)."""
