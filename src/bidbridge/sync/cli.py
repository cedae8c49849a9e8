"""`bidbridge sync` (and `bidbridge-sync`): the command line of the mirror.

It imports the client and the wire schemas only, never the server, so that it runs from the
client's own distribution (clients/python) as well as from the platform's `bidbridge` command.
The client (httpx) and rich load when the command runs: the `bidbridge` command's module, which
registers this one, is imported by every worker process of `bidbridge serve`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

SYNC_ENV = "BIDBRIDGE_SYNC_"


def sync(
    out: Annotated[Path, typer.Option("--out", help="The folder to mirror into.")],
    base_url: Annotated[str, typer.Option(envvar=SYNC_ENV + "BASE_URL",
                                          help="Where bidbridge runs.")] = "http://127.0.0.1:8000",
    login: Annotated[str, typer.Option(envvar=SYNC_ENV + "LOGIN",
                                       help="The API user's e-mail address.")] = "",
    api_key: Annotated[str, typer.Option(envvar=SYNC_ENV + "API_KEY", show_default=False,
                                         help="The API key (prefer the environment variable).")
                       ] = "",
    max_rate: Annotated[float | None, typer.Option(
        help="Download at most this many bytes per second.")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar per download.")] = True,
    follow: Annotated[bool, typer.Option(
        help="After the sync, keep the folder current from the change feed (getEvents) until "
             "interrupted.")] = False,
    poll: Annotated[float, typer.Option(help="With --follow: seconds between looks at the "
                                             "feed when nothing is new.", min=0.5)] = 5.0,
) -> None:
    """Mirror your RFPs with their documents, messages, budget lines and proposal receipts into
    a folder, one sub-folder per RFP (see its README.txt); safe to interrupt and re-run.

    Only what changed since the last run is fetched (getRfps updatedSince), and a document is
    downloaded only when its SHA-256 differs from the copy on disk.
    """
    import httpx
    from rich.console import Console

    from bidbridge.client import Client, ClientError
    from bidbridge.sync.mirror import Mirror
    from bidbridge.sync.progress import RichProgress

    console, err = Console(), Console(stderr=True)
    if not login or not api_key:
        raise typer.BadParameter("give --login and --api-key (or BIDBRIDGE_SYNC_LOGIN and "
                                 "BIDBRIDGE_SYNC_API_KEY)", param_hint="--login/--api-key")
    try:
        with Client(base_url, login, api_key) as client:
            if follow:
                console.print(f"following the change feed into {out} (Ctrl-C to stop)",
                              soft_wrap=True, highlight=False)
                try:
                    report = Mirror(client, out, max_rate=max_rate).follow(poll_seconds=poll)
                except KeyboardInterrupt:
                    console.print("stopped", highlight=False)
                    return
            elif progress:
                with RichProgress(err) as bar:
                    report = Mirror(client, out, progress=bar, max_rate=max_rate).run()
            else:
                report = Mirror(client, out, max_rate=max_rate).run()
    except ClientError as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(1) from exc
    except httpx.TransportError as exc:
        err.print(f"error: cannot reach bidbridge at {base_url} ({exc}). Is it running there? "
                  "Give its address with --base-url or BIDBRIDGE_SYNC_BASE_URL.", soft_wrap=True,
                  highlight=False)
        raise typer.Exit(1) from exc
    # One line whatever the width: without a terminal rich would wrap it at 80 columns.
    console.print(f"synced {report.rfps} changed RFP(s) ({report.rfps_skipped} unchanged), "
                  f"downloaded {len(report.downloaded)} document(s), {report.bytes} bytes, "
                  f"removed {report.removed}, into {out}", soft_wrap=True, highlight=False)


def main() -> None:
    """The `bidbridge-sync` command: `bidbridge sync` without the platform installed."""
    typer.run(sync)


if __name__ == "__main__":
    main()
