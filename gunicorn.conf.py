"""Gunicorn settings for serving the dashboard (``make serve``).

Threaded workers: a sync worker is killed by its timeout in the middle of a long upload or a
streamed agent reply; gthread workers keep heart-beating while a request runs.
"""

import os

bind = os.environ.get("BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# An upload holds a thread while its body arrives, a stalled one until UPLOAD_IDLE_TIMEOUT; one
# person has at most UPLOAD_MAX_CONCURRENT_PER_USER under way, so keep this well above that.
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# The access log: standard output, a file, or none when set empty.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-").strip() or None
errorlog = "-"
# Only the local reverse proxy may set X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Each instance its own control socket: by default every gunicorn of a user on a host shares
# ~/.gunicorn/gunicorn.ctl, so one instance's commands (or its shutdown) would reach another.
_run_dir = os.path.join(
    os.environ.get("DASHBOARD_VAR_DIR", os.path.join(os.path.dirname(__file__), "var")), "run"
)
os.makedirs(_run_dir, exist_ok=True)
control_socket = os.environ.get(
    "GUNICORN_CONTROL_SOCKET", os.path.join(_run_dir, f"gunicorn-{os.getpid()}.ctl")
)
