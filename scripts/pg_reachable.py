"""Exit 0 when a PostgreSQL server answers at the given URL (used by `make test`)."""

import asyncio
import sys

import asyncpg


async def main(url: str) -> int:
    try:
        conn = await asyncio.wait_for(asyncpg.connect(url), timeout=3)
    except Exception:
        return 1
    await conn.close()
    return 0


sys.exit(asyncio.run(main(sys.argv[1])))
