"""Binds every feature file under features/ (the living documentation) to pytest."""

from pytest_bdd import scenarios

scenarios(".")
