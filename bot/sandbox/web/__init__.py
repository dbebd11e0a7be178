"""The web page of the emulated workspace, served while the sandbox runs (`make run`)."""

from bot.sandbox.web.app import create_page_app

__all__ = ["create_page_app"]
