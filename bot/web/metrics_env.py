"""The variable that puts prometheus_client in multiprocess mode; its own module so setting
it (bot/cli.py) imports nothing of prometheus_client first."""

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
