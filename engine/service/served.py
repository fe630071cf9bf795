"""What the server serves: the loaded network and its named scenarios, each applied once, in memory.

``corridor serve --scenario NAME=FILE`` names scenario files; :func:`served_networks` reads and applies each of
them to the loaded network once, at start (and again on reload, from the files, onto the reloaded network), so
every worker receives the base snapshot and the edited ones as its first frame and a request only names one
(``scenario`` on FindRoutes, PlanShipment, AssignDemand). Applying goes through the library's one path
(:func:`engine.network.scenario.apply_scenarios`), so an answer's ``network`` reads
``middle_corridor+NAME@<content hash>`` exactly as the CLI's does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import UnknownScenario
from engine.network import Network
from engine.network.scenario import apply_scenarios, load_scenario


@dataclass(frozen=True)
class ServedNetworks:
    """The base snapshot and the named scenario snapshots the server answers from (pickled to every worker)."""

    base: Network
    scenarios: Mapping[str, Network] = field(default_factory=dict)

    def pick(self, name: str, field_name: str = "scenario") -> Network:
        """The network of scenario ``name`` (``""``: the base network).

        Raises
        ------
        UnknownScenario
            When the server holds no scenario of that name (NOT_FOUND, listing the names it holds).
        """
        if not name:
            return self.base
        if name not in self.scenarios:
            raise UnknownScenario(field_name, name, tuple(sorted(self.scenarios)))
        return self.scenarios[name]


def served_networks(base: Network, scenario_files: Mapping[str, Path]) -> ServedNetworks:
    """Read and apply every named scenario file to ``base``, each on its own (not one on top of another).

    Raises
    ------
    InputFileError
        A file is malformed or one of its edits does not apply (``file:line: field: message``).
    """
    scenarios = {}
    for name, path in scenario_files.items():
        scenario = dataclasses.replace(load_scenario(path), name=name)
        scenarios[name] = apply_scenarios(base, [scenario])
    return ServedNetworks(base, scenarios)


def as_served(networks: Network | ServedNetworks) -> ServedNetworks:
    """A bare network served without scenarios."""
    return networks if isinstance(networks, ServedNetworks) else ServedNetworks(networks)


__all__ = ["ServedNetworks", "as_served", "served_networks"]
