"""Corridor studies: OD pairs × ready times × scenarios into one polars frame, a comparison, and a report."""

from engine.studies.compare import comparison_frame, corridor_shares
from engine.studies.corridor import Corridor, corridor_of, route_corridor
from engine.studies.frame import read_frame, routes_frame, write_frame
from engine.studies.run import InProcessRunner, StudyResult, run_study
from engine.studies.spec import Study, load_study, parse_study

__all__ = [
    "Corridor",
    "InProcessRunner",
    "Study",
    "StudyResult",
    "comparison_frame",
    "corridor_of",
    "corridor_shares",
    "load_study",
    "parse_study",
    "read_frame",
    "route_corridor",
    "routes_frame",
    "run_study",
    "write_frame",
]
