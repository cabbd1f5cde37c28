"""Accessibility checks with axe-core (from the npm registry, pinned in tests/browser/axe; install
it with scripts/ensure-axe, which `make test` runs).

    await assert_accessible(page, "the business list")

fails with every serious or critical violation axe finds on the page as it stands, naming the
rule, its help text and the elements involved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from livedesk_testing import missing_component

AXE_JS = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


async def _load_axe(page: Any) -> None:
    if await page.evaluate("typeof window.axe === 'object'"):
        return
    if not AXE_JS.is_file():
        missing_component(
            "LIVEDESK_REQUIRE_BROWSER", f"axe-core is missing at {AXE_JS}: run scripts/ensure-axe"
        )
    try:
        await page.add_script_tag(path=str(AXE_JS))
    except Exception:  # a strict CSP refuses the inline copy: evaluated below instead
        pass
    if not await page.evaluate("typeof window.axe === 'object'"):
        # Our pages allow only their own scripts (script-src 'self'), so the inline <script>
        # add_script_tag writes does not run; the DevTools protocol's evaluate is not subject to
        # the page's policy, and the page itself stays as strict as it is served.
        await page.evaluate(AXE_JS.read_text("utf-8") + "\n;undefined")


async def axe_violations(
    page: Any, *, impacts: tuple[str, ...] = BLOCKING, selector: str | None = None
) -> list[dict[str, Any]]:
    """axe's violations of the given impacts on the whole page (or inside `selector`)."""
    await _load_axe(page)
    result = await page.evaluate(
        """async (selector) => {
            const context = selector ? document.querySelector(selector) : document;
            return await window.axe.run(context, { resultTypes: ["violations"] });
        }""",
        selector,
    )
    return [v for v in result["violations"] if v.get("impact") in impacts]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['impact']}: {v['id']}: {v['help']}")
        for node in v.get("nodes", [])[:5]:
            lines.append(f"    {', '.join(map(str, node.get('target', [])))}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


async def assert_accessible(page: Any, what: str, *, selector: str | None = None) -> None:
    violations = await axe_violations(page, selector=selector)
    assert not violations, f"axe finds serious or critical problems on {what}:\n" + describe(
        violations
    )
