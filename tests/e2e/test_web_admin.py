"""The administrator's screens and the accessibility check, in real Chromium through nginx against
every service of `make run`: the administrator creates and renames a unit, creates a person with
a role in it and deactivates them, grants and revokes a delegation, saves the routing rules and
imports a CSV whose bad row is shown on that row (web/e2e/admin-flow.mjs); axe-core finds no
serious or critical violation on the sign-in page and on each role's main page, the
administrator's screens included, and on a registered document's page and its case page
(web/e2e/a11y-flow.mjs)."""

from __future__ import annotations

from pathlib import Path

from harness.web import run_flow


def test_the_administrator_sets_up_units_people_delegations_rules_and_imports(
    one_origin: str, tmp_path: Path
) -> None:
    shots = tmp_path / "screenshots"
    run = run_flow("admin-flow.mjs", {"VANTHU_WEB_URL": one_origin, "VANTHU_WEB_SHOTS": str(shots)})
    said = f"{run.stdout}\n{run.stderr}\nscreenshots in {shots}"
    assert run.returncode == 0, said
    assert "web-flow: done" in run.stdout, said
    assert (shots / "admin-04-loi-dong.png").exists(), said


def test_no_page_has_a_serious_accessibility_violation(one_origin: str, tmp_path: Path) -> None:
    shots = tmp_path / "screenshots"
    run = run_flow("a11y-flow.mjs", {"VANTHU_WEB_URL": one_origin, "VANTHU_WEB_SHOTS": str(shots)})
    said = f"{run.stdout}\n{run.stderr}\nscreenshots in {shots}"
    assert run.returncode == 0, said
    assert "web-flow: done" in run.stdout, said
    # every role's page was checked, not only the sign-in page
    assert run.stdout.count("web-flow: axe ") == 1 + 7 + 5 + 2, said
