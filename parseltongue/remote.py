"""RemoteQueryClient: run read-only Datalog on a `parseltongue pt08` server over HTTP.

It speaks Cozo's `/text-query` protocol (the one pycozo's HTTP client speaks) with the standard
library only, and offers the read-only methods the REPL uses on a Codebase (`query`,
`named_table`), so `parseltongue repl --server http://127.0.0.1:7777` works while the server
holds the database. It also has the reads a Codebase makes of its storage (`run_named`,
`run_named_table`, `query_table`, `get_stats`): `Codebase(RemoteQueryClient(url))` asks a
served database every question (`parseltongue mcp --server URL`).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

from parseltongue.answers import Table
from parseltongue.queries import named_query
from parseltongue.storage import CozoQueryError, DatabaseReads, StorageError

DEFAULT_TIMEOUT_SECONDS = 300.0


class RemoteQueryClient(DatabaseReads):
    """A read-only stand-in for CozoDbStorage that sends Datalog to a server.

    Example:
        client = RemoteQueryClient("http://127.0.0.1:7777")
        client.query_read_only("?[n] := *code_entities{name: n} :limit 3")
    """

    def __init__(self, base_url: str, timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        self.base_url = base_url.rstrip("/")
        if not self.base_url.startswith(("http://", "https://")):
            raise StorageError(
                f"server address {base_url!r} is not a URL; give e.g. http://127.0.0.1:7777"
            )
        self.timeout = timeout
        # What a local storage's database specification is: the server's address.
        self.specification = self.base_url

    def _post(self, script: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
        body = json.dumps({"script": script, "params": dict(params or {}), "immutable": True})
        request = urllib.request.Request(
            f"{self.base_url}/text-query",
            data=body.encode("utf-8"),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            # Cozo's protocol puts a refused query's reason in the body of a 4xx/5xx answer.
            try:
                return json.loads(error.read())
            except ValueError:
                raise StorageError(
                    f"server {self.base_url} answered HTTP {error.code} without a Cozo reply"
                ) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise StorageError(
                f"cannot reach the Parseltongue server at {self.base_url} ({reason}); "
                "is `parseltongue pt08 --db ...` running there?"
            ) from None

    def _read(
        self, datalog: str, params: Mapping[str, Any] | None, time_limited: bool | None
    ) -> dict[str, Any]:
        # `time_limited` is for a local database: the server puts every script under its limit.
        reply = self._post(datalog, params)
        if not reply.get("ok"):
            message = str(reply.get("message", reply))
            raise CozoQueryError(message, reply.get("code"), str(reply.get("display") or message))
        return reply

    def query(self, datalog: str, params: Mapping[str, Any] | None = None) -> Table:
        """Run read-only Datalog on the server, as `Codebase.query` does locally."""
        return self.query_table(datalog, params).as_table()

    def named_table(self, name: str, /, **params: Any) -> Table:
        """Run the named query `queries/NAME.cozo` on the server, as `Codebase.named_table`
        does locally: this side binds the parameters, the server runs the script read-only."""
        query = named_query(name)
        return self.query(query.script, query.bind(params))

    def close(self) -> None:
        """Nothing to release: each query is one HTTP request."""
