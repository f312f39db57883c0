from __future__ import annotations

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    import scenario_run

    if scenario_run.RESULTS:
        terminalreporter.write_sep("=", "scenario suite")
        terminalreporter.write_line(scenario_run.table(scenario_run.RESULTS))
