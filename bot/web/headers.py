"""Headers on every response of the web app: no framing, no MIME sniffing, no referrer, and a
Content-Security-Policy that allows nothing unless the view sets its own (the dashboard page
allows its own images and its inline style and script by a per-response nonce)."""

from __future__ import annotations

import secrets

from flask import Flask, Response, g

STRICT_POLICY = ("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
                 "form-action 'none'")
HEADERS = {
    "Content-Security-Policy": STRICT_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def csp_nonce() -> str:
    """A fresh nonce for this response's inline style and script."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return str(g.csp_nonce)


def page_policy(nonce: str) -> str:
    return (f"default-src 'none'; img-src 'self'; style-src 'nonce-{nonce}'; "
            f"script-src 'nonce-{nonce}'; frame-ancestors 'none'; base-uri 'none'; "
            "form-action 'none'")


def install_security_headers(app: Flask) -> None:
    @app.after_request
    def secure(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response
