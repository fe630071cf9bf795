"""Middle Corridor freight routing engine.

Layers (nothing below imports upward):

- ``engine.network``  — immutable network snapshots: CSV tables → typed records → networkx graph.
- ``engine.routing`` / ``engine.optimize`` / ``engine.studies`` — pure functions over a snapshot and a request.
- ``engine.service`` and ``engine.cli`` — translate gRPC messages and command-line arguments, nothing else.
"""

__version__ = "0.1.0"
