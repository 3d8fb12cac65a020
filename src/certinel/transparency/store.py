"""The tile store on the database.

Full tiles are rows of LogTile (append-only). The partial tile at the right edge of each level
is never stored: at level 0 it is the leaf hashes of the last entries (the history records of
the last log indexes), at level L > 0 the
`root` column of the full tiles at level L-1 it spans: range queries on primary or unique
keys. All the tiles a root or a proof needs are read in one query.

Proofs are on the public path, so the queries are written out (parameterised SQL on the
tables the models define) rather than built by the ORM each time: building them costs more
than running them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connections

from certinel.core.models import ChangeRecord

from .merkle import HASH_SIZE
from .models import LogTile
from .tiledtree import MissingTile, TileKey, TileStore
from .tiles import TILE_WIDTH

_TILE = LogTile._meta.db_table
_ENTRY = ChangeRecord._meta.db_table


class DatabaseTileStore(TileStore):
    def __init__(self, using: str = "default") -> None:
        self.using = using

    def _rows(self, sql: str, params: list[int]) -> list[tuple]:
        with connections[self.using].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def read_tiles(self, keys: Iterable[TileKey]) -> dict[TileKey, bytes]:
        """Every tile asked for, in one query: full tiles by key, the level-0 right edge from
        the entries, the right edge of higher levels from the roots of the tiles below."""
        keys = set(keys)
        full = sorted(k for k in keys if k[2] == TILE_WIDTH)
        partial = sorted(k for k in keys if k[2] < TILE_WIDTH)
        parts: list[str] = []
        params: list[int] = []
        if full:
            parts.append(f'SELECT 0, level, "index", hashes, 0 FROM {_TILE} WHERE '  # noqa: S608 - values are parameters
                         + " OR ".join(['(level = %s AND "index" = %s)'] * len(full)))
            params += [v for level, index, _ in full for v in (level, index)]
        for level, index, width in partial:
            sql, args = self._edge_sql(level, index * TILE_WIDTH, index * TILE_WIDTH + width)
            parts.append(sql)
            params += [level, index, *args]
        if not parts:
            return {}
        found: dict[TileKey, list[tuple[int, bytes]]] = {key: [] for key in keys}
        by_start = {key[:2]: key for key in partial}
        for kind, level, index, value, extra in self._rows(" UNION ALL ".join(parts), params):
            key = (level, index, TILE_WIDTH) if kind == 0 else by_start[(level, index)]
            found[key].append((extra, b"" if value is None else bytes(value)))
        joined = connections[self.using].vendor == "postgresql"
        out = {key: self._tile(key, found[key], joined) for key in keys}
        missing = sorted(k for k, v in out.items() if v is None)
        if missing:
            raise MissingTile(f"tiles not in the database: {missing}")
        return out  # type: ignore[return-value]

    def _edge_sql(self, level: int, start: int, stop: int) -> tuple[str, list[int]]:
        """The query of one right-edge tile: leaf hashes (level 0) or the roots of the full
        tiles below. PostgreSQL joins them into one value; SQLite returns them one a row."""
        if level == 0:
            table, column, position = _ENTRY, "leaf_hash", "log_index"
            where, args = "log_index >= %s AND log_index < %s", [start, stop]
        else:
            table, column, position = _TILE, "root", '"index"'
            where, args = 'level = %s AND "index" >= %s AND "index" < %s', [level - 1, start, stop]
        if connections[self.using].vendor == "postgresql":
            return (f"SELECT 1, %s, %s, string_agg({column}, ''::bytea ORDER BY {position}), COUNT(*) "  # noqa: S608
                    f"FROM {table} WHERE {where}", args)
        return f"SELECT 1, %s, %s, {column}, {position} FROM {table} WHERE {where}", args  # noqa: S608

    @staticmethod
    def _tile(key: TileKey, rows: list[tuple[int, bytes]], joined: bool) -> bytes | None:
        """A tile's hashes from its rows, or None when some are missing. A full tile is one
        row; a right-edge tile one joined row (with its count) or one row a hash (with its
        position)."""
        _, index, width = key
        if width == TILE_WIDTH:
            return rows[0][1] if len(rows) == 1 else None
        if joined:
            ok = len(rows) == 1 and rows[0][0] == width and len(rows[0][1]) == width * HASH_SIZE
            return rows[0][1] if ok else None
        start = index * TILE_WIDTH
        rows.sort()  # by position (unique): cheaper here than an ORDER BY over the whole union
        if [position for position, _ in rows] != list(range(start, start + width)):
            return None
        return b"".join(value for _, value in rows)
