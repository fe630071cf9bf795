"""MathOpt solver calls, wrapped: one place that picks the engine, sets deterministic parameters and maps errors.

Measured advice (``research/tech-notes.md`` §1): LPs go to HiGHS through MathOpt, with GLOP as the fallback;
pywraplp's HiGHS returns wrong duals and PDLP's approximate duals stall column generation, so neither is offered.
HiGHS rejects ``SolveParameters(threads=…)``, so threads are left unset (HiGHS is deterministic; GLOP is
single-threaded). Any exception a solver raises — including the ``AttributeError`` the 9.15 wheel raises from its
own error path — becomes an :class:`~engine.errors.OptimizerError` carrying the original text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ortools.math_opt.python import mathopt

from engine.errors import FieldProblem, InvalidRequest, OptimizerError

LP_SOLVERS: dict[str, mathopt.SolverType] = {
    "highs": mathopt.SolverType.HIGHS,
    "glop": mathopt.SolverType.GLOP,
}
MIP_SOLVERS: dict[str, mathopt.SolverType] = {
    "highs": mathopt.SolverType.HIGHS,
    "scip": mathopt.SolverType.GSCIP,
}
RANDOM_SEED = 20260101
"""Fixed seed passed to every solve (HiGHS and SCIP use it; results are reproducible run to run)."""

OPTIMAL = (mathopt.TerminationReason.OPTIMAL,)


def solve_parameters(time_limit_s: float | None = None) -> mathopt.SolveParameters:
    """Deterministic parameters: fixed seed, no solver log, optional time limit; threads left to the engine."""
    params = mathopt.SolveParameters(random_seed=RANDOM_SEED, enable_output=False)
    if time_limit_s is not None:
        from datetime import timedelta

        params.time_limit = timedelta(seconds=time_limit_s)
    return params


def solver_order(name: str, table: dict[str, mathopt.SolverType], field: str) -> list[tuple[str, Any]]:
    """The engines to try, preferred first: the named one, then GLOP for LPs when HiGHS was asked for."""
    if name not in table:
        raise InvalidRequest([FieldProblem(field, f"must be one of {', '.join(table)}, got {name!r}")])
    order = [(name, table[name])]
    if table is LP_SOLVERS and name == "highs":
        order.append(("glop", LP_SOLVERS["glop"]))
    return order


def solve_once(model: mathopt.Model, solver: Any, time_limit_s: float | None = None) -> mathopt.SolveResult:
    """Solve ``model`` with ``solver`` and return the result, or raise :class:`OptimizerError`."""
    try:
        result = mathopt.solve(model, solver, params=solve_parameters(time_limit_s))
    except Exception as exc:  # the wheel's own error path is broken; keep the original text
        msg = f"{solver} failed: {type(exc).__name__}: {exc}"
        raise OptimizerError(msg) from exc
    return result


def solve_with_fallback(
    model: mathopt.Model, order: Sequence[tuple[str, Any]], time_limit_s: float | None = None
) -> tuple[str, mathopt.SolveResult]:
    """Try each engine in ``order`` until one reports an optimal solution; return its name and result.

    Raises
    ------
    OptimizerError
        When no engine reaches optimality; the message lists what each reported.
    """
    failures = []
    for name, solver in order:
        try:
            result = solve_once(model, solver, time_limit_s)
        except OptimizerError as exc:
            failures.append(f"{name}: {exc}")
            continue
        if result.termination.reason in OPTIMAL:
            return name, result
        failures.append(f"{name}: {result.termination.reason.name} ({result.termination.detail})")
    raise OptimizerError("no solver reached an optimal solution: " + "; ".join(failures))


class IncrementalLP:
    """An LP re-solved after columns are added: HiGHS first, GLOP if HiGHS fails (then GLOP from there on)."""

    def __init__(self, model: mathopt.Model, order: Sequence[tuple[str, Any]]) -> None:
        self._model = model
        self._order = list(order)
        self._solver: Any = None
        self.name = self._order[0][0]

    def solve(self) -> mathopt.SolveResult:
        """Solve the current model; raise :class:`OptimizerError` when every engine fails."""
        failures = []
        while self._order:
            name, solver_type = self._order[0]
            try:
                if self._solver is None:
                    self._solver = mathopt.IncrementalSolver(self._model, solver_type)
                result = self._solver.solve(params=solve_parameters())
            except Exception as exc:  # see the module docstring
                failures.append(f"{name}: {type(exc).__name__}: {exc}")
            else:
                if result.termination.reason in OPTIMAL:
                    self.name = name
                    return result
                failures.append(f"{name}: {result.termination.reason.name} ({result.termination.detail})")
            self._order.pop(0)
            self._solver = None
        raise OptimizerError("the master LP could not be solved: " + "; ".join(failures))
