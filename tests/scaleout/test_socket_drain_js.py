"""The widget's and console's shared socket honours a draining server's close: it reconnects
after the delay the close reason names, not after its own back-off (run in Node with a stand-in
WebSocket and clock; the page-level reconnect is covered by the browser tests)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

SOCKET_JS = Path(__file__).parents[2] / "src/livedesk/web/static/shared/socket.js"

SCRIPT = """
const timers = [];
globalThis.setTimeout = (fn, ms) => { timers.push(ms); return timers.length; };
globalThis.clearTimeout = () => {};
globalThis.addEventListener = () => {};
globalThis.removeEventListener = () => {};
Object.defineProperty(globalThis, "navigator", { value: { onLine: true } });
const opened = [];
globalThis.WebSocket = class {
  constructor(url) { this.url = url; this.readyState = 1; opened.push(this); }
  send() {}
  close() {}
};
const { ReconnectingSocket } = await import(process.argv[2]);
const sock = new ReconnectingSocket({ url: () => "ws://x/ws", onFrame: () => {} });
const delays = {};
for (const [name, code, reason] of CLOSES) {
  sock.start();
  await new Promise((r) => setImmediate(r));
  const ws = opened.at(-1);
  ws.onopen();
  timers.length = 0;
  ws.onclose({ code, reason });
  delays[name] = timers.filter((ms) => ms !== 20000);  // the ping timer is not a reconnect
  sock.stop();
}
console.log(JSON.stringify(delays));
"""

CLOSES = [
    ["draining", 4015, "draining: reconnect after 1234 ms"],
    ["draining_long", 4015, "draining: reconnect after 999999 ms"],
    ["lost", 1006, ""],
    ["resync", 4014, ""],
]


def test_a_draining_close_reconnects_after_the_named_delay(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("no node to run the shared socket's module")
    script = tmp_path / "drain.mjs"
    script.write_text(f"const CLOSES = {json.dumps(CLOSES)};\n{SCRIPT}")
    out = subprocess.run(
        [node, str(script), SOCKET_JS.as_uri()], capture_output=True, text=True, timeout=20
    )
    assert out.returncode == 0, out.stderr
    delays = json.loads(out.stdout)
    assert delays["draining"] == [1234]
    assert delays["draining_long"] == [30000]  # never longer than the back-off's own cap
    # Any other close: the usual back-off, a random wait between 250 and 500 ms at first.
    for name in ("lost", "resync"):
        assert len(delays[name]) == 1 and 250 <= delays[name][0] <= 500
