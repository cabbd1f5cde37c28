"""Run Livedesk's server under cProfile; the stats are written when SIGTERM arrives.

    python bench/profile_server.py OUT.prof --port 8000   (settings from LIVEDESK_* variables)

Used by `bench/chat_roundtrip.py --profile OUT.prof`; read with `python -m pstats OUT.prof`.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import signal

import uvicorn

from livedesk.app import create_app
from livedesk.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    settings = Settings(port=args.port)
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=args.port,
        loop="uvloop",
        http="httptools",
        ws="websockets-sansio",
        ws_per_message_deflate=False,
        log_level="warning",
    )
    server = uvicorn.Server(config)
    profiler = cProfile.Profile()

    async def serve() -> None:
        asyncio.get_running_loop().add_signal_handler(
            signal.SIGTERM, lambda: setattr(server, "should_exit", True)
        )
        server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        profiler.enable()
        try:
            await server.serve()
        finally:
            profiler.disable()
            profiler.dump_stats(args.out)

    import uvloop

    uvloop.run(serve())


if __name__ == "__main__":
    main()
