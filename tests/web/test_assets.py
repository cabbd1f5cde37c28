"""The widget's files as served: minified without changing what they do, bundled, hashed.

`node --check` parses every module the server sends (node comes with the npm tools the browser
tests use for axe); the scanner's cases are checked one by one."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from livedesk.web.assets import AssetTree
from livedesk.web.bundle import bundle
from livedesk.web.minify import minify_css, minify_js
from livedesk.web.views import ASSETS

from livedesk_testing import missing_component


def test_comments_and_indentation_go_and_code_strings_and_regexes_stay() -> None:
    source = """// a comment
    const url = "https://example.nl/a//b"; // trailing
    const re = /\\/\\/[^/]*$/g, half = 6 / 3 / 2;
    /* a block
       comment */ const t = `line one
        // kept: inside a template
    ${ { a: "}" }.a } end`;
    if (x) return /=\\s*/.test(y);
    """
    out = minify_js(source)
    assert "comment" not in out and "trailing" not in out
    assert '"https://example.nl/a//b"' in out
    assert "/\\/\\/[^/]*$/g" in out and "6 / 3 / 2" in out
    assert '`line one\n        // kept: inside a template\n    ${ { a: "}" }.a } end`' in out
    assert "return /=\\s*/.test(y)" in out
    assert all(
        not line.startswith((" ", "\t")) or "kept" in line or "${" in line
        for line in out.splitlines()
    )


def test_css_loses_comments_and_the_spaces_nothing_needs() -> None:
    source = "/* x */\n.a > b ~ .c, d {\n  color: red; /* y */\n  margin: 0 calc(1px - 2px);\n}\n"
    assert minify_css(source) == ".a>b~.c,d{color:red;margin:0 calc(1px - 2px)}\n"


def test_a_bundle_inlines_static_imports_each_in_its_own_scope() -> None:
    files = {
        "w/main.js": 'import { a, b as c } from "./x.js";\nimport("./lazy.js");\n'
        "export function go() { return a + c; }\n",
        "w/x.js": 'import { k } from "../s/k.js";\nconst hidden = 1;\n'
        "export const a = k + hidden;\nexport function b() {}\n",
        "s/k.js": "export const k = 2;\n",
        "w/lazy.js": "export const z = 1;\n",
    }
    out = bundle("w/main.js", files.get)
    assert out.index("const $1") < out.index("const $2") < out.index("export function go")
    assert "const { k } = $1;" in out and "const { a, b: c } = $2;" in out
    assert "return { a, b };" in out and 'import("./lazy.js")' in out
    assert "export const" not in out


def test_hashed_names_follow_every_change_of_what_a_file_pulls_in(tmp_path: Path) -> None:
    (tmp_path / "widget").mkdir()
    (tmp_path / "widget" / "widget.js").write_text('load("/widget/panel.js");\n')
    (tmp_path / "widget" / "panel.js").write_text('import { a } from "./dom.js";\n')
    (tmp_path / "widget" / "dom.js").write_text("export const a = 1;\n")
    tree = AssetTree(tmp_path)
    before = tree.url("widget/panel.js")
    assert (
        before.startswith("widget/panel.")
        and f'"/{before}"' in tree.get("widget/widget.js")[0].body.decode()
    )  # type: ignore[index]
    (tmp_path / "widget" / "dom.js").write_text("export const a = 2;\n")
    tree._stamp = None  # as after the half second the tree waits between looks
    assert tree.url("widget/panel.js") != before


def test_node_parses_every_module_the_widget_serves(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        missing_component("LIVEDESK_REQUIRE_BROWSER", "node is not installed (scripts/ensure-axe)")
    names = [
        n for n in ASSETS._current() if n.startswith(("widget/", "shared/")) and n.endswith(".js")
    ]
    assert "widget/panel.js" in names and "shared/socket.js" in names
    for name in names:
        asset = ASSETS.get(name)
        assert asset is not None
        path = tmp_path / (
            name.replace("/", "_") + (".cjs" if name == "widget/widget.js" else ".mjs")
        )
        path.write_bytes(asset[0].body)
        run = subprocess.run([node, "--check", str(path)], capture_output=True, text=True)
        assert run.returncode == 0, f"{name} as served does not parse:\n{run.stderr}"


@pytest.mark.parametrize("name", ["widget/panel.js", "widget/preview.js"])
def test_the_panel_comes_in_one_response(name: str) -> None:
    found = ASSETS.get(name)
    assert found is not None
    body = found[0].body.decode()
    assert "class ReconnectingSocket" in body and "export async function mount" in body
    assert not [line for line in body.splitlines() if line.startswith("import ")]
