"""Helpers the tests share (fixtures stay in conftest.py files; no test module imports another)."""
