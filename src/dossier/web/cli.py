"""The `dossier serve` command: checks the options, then runs the app under uvicorn."""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path
from typing import Annotated

import typer

LOCAL = ("127.0.0.1", "localhost", "::1")


def is_local(host: str) -> bool:
    if host in LOCAL:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on. Beyond localhost --token is required.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", "-p", help="Port to listen on.", min=0, max=65535)] = 8000,
    token: Annotated[str | None, typer.Option("--token", envvar="DOSSIER_TOKEN",
                                              help="Access token: header `Authorization: Bearer T` or `X-Dossier-Token: T`, or visit /?token=T once.")] = None,
    keep: Annotated[Path | None, typer.Option("--keep", help="Keep each upload and its results under this folder (default: nothing is kept).")] = None,
    max_upload: Annotated[float, typer.Option("--max-upload", help="Largest upload in MB.", min=0.001)] = 200,
    workers: Annotated[int, typer.Option("--workers", help="Checks at the same time (worker processes).", min=1, max=64)] = 2,
    unit: Annotated[str, typer.Option("--unit", help="审查单位 printed on the 审查意见 when the form leaves it blank.")] = "",
    ocr: Annotated[bool, typer.Option("--ocr/--no-ocr", help="OCR scanned pages.")] = True,
) -> None:
    """审查工作台：在浏览器中上传材料、查看报告、下载审查意见和批注版原文件。
    Serve the upload page and the JSON API (POST /api/check)."""
    import uvicorn

    from dossier.web.app import ServeConfig, create_app

    if not is_local(host) and not token:
        sys.stderr.write(f"error: listening on {host} reaches beyond this machine: give --token T "
                         "(or DOSSIER_TOKEN) so only people with the token can upload\n")
        raise typer.Exit(2)
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
    # Without a token only loopback names are answered (no DNS rebinding from a web page).
    hosts = () if token else ("127.0.0.1", "localhost", "::1", "[::1]")
    config = ServeConfig(token=token, keep=keep, max_upload_mb=max_upload, workers=workers, unit=unit, ocr=ocr,
                         allowed_hosts=hosts)
    where = f"[{host}]" if ":" in host else host
    sys.stderr.write(f"dossier serve: http://{where}:{port}/" + (" (token required)" if token else "") + "\n")
    uvicorn.run(create_app(config), host=host, port=port, log_level="warning", server_header=False)
