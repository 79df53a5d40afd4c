"""gunicorn settings for one wiki server process (see docs/deploy.md).

    gunicorn -c docs/deploy/gunicorn.conf.py 'wiki:create_app("production")'

Socket.IO runs in Flask-SocketIO's `threading` mode with simple-websocket, so each process is
exactly one gthread worker: a Socket.IO session lives in one process's memory and long-polling
requests must come back to it, which gunicorn cannot guarantee between its own workers. Scale by
running more of these processes (one per core, each on its own port) behind nginx with sticky
sessions, all sharing REDIS_URL and DATABASE_URL.

Every open websocket holds one thread for its whole life, so `threads` is the most editors and
readers this process can hold at once (plus a few for ordinary page requests).

Overrides: GUNICORN_BIND (default 127.0.0.1:8000), GUNICORN_THREADS (default 200).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
workers = 1  # never more than one: see above
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "200"))
worker_connections = threads + 100  # idle keep-alive HTTP connections wait in the poller, not in a thread

# Never recycle the worker on a request count: that would cut every open editor's connection.
max_requests = 0
# The arbiter's heartbeat; gthread workers answer it from their main loop, so a long-lived
# websocket does not count as a stuck request.
timeout = 60
graceful_timeout = 10  # on SIGTERM: stop accepting, then close what is still open (editors reconnect)
keepalive = 5

# gunicorn ≥ 25 opens a control socket at one fixed path per user ($XDG_RUNTIME_DIR/gunicorn.ctl):
# several wiki processes on one machine would take it from each other, and its "add workers"
# command must never be used here. Off.
control_socket_disable = True

# nginx on the same machine sets X-Forwarded-Proto; only trust it from there.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs to stderr (journald). No client address, no query string (privacy: DESIGN §4).
accesslog = "-"
errorlog = "-"
access_log_format = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms'
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
proc_name = "wiki"


def post_worker_init(worker):
    """Keep the loaded app out of later garbage collections (see wiki.cli.freeze_startup_heap)."""
    from wiki.cli import freeze_startup_heap

    freeze_startup_heap()
