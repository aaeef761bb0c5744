"""Domain tests: the rules of DESIGN.md, checked without I/O.

A package so that the test modules can import the shared actors and factories from
``conftest`` by a relative import, whatever other test folders hold.
"""
