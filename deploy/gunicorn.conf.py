"""gunicorn's configuration for the production profile: N uvicorn workers of the app, on PostgreSQL.

    gunicorn -c deploy/gunicorn.conf.py          (or: python -m backend.production)

Everything comes from backend/settings.py (RESIDENT_* or .env): the address (RESIDENT_API_HOST,
RESIDENT_API_PORT), the number of workers (RESIDENT_WEB_WORKERS). The master migrates the database once
before it forks (workers then start with RESIDENT_AUTO_MIGRATE=false, so three workers never race one
migration). Each worker builds its own app (`create_app()`: no state shared across a fork) and is a candidate
for leader (backend/workers/leader.py): one of them runs the indexer, the jobs and the senders. gunicorn
replaces a worker that dies; the leadership moves to another within RESIDENT_LEADER_POLL_SECONDS.
"""

# Imported here, in the master, so the forked workers share the loaded modules (an app import takes seconds);
# each worker still calls create_app() itself: no engine, connection or thread crosses a fork.
import backend.app  # noqa: F401
from backend.db import migrate
from backend.settings import Settings

settings = Settings()

wsgi_app = "backend.app:create_app()"
worker_class = "uvicorn.workers.UvicornWorker"
workers = settings.web_workers
bind = [f"{settings.api_host}:{settings.api_port}"]
# Behind Caddy on the same machine: X-Forwarded-For/Proto are trusted from the loopback only.
forwarded_allow_ips = "127.0.0.1,::1"
# A request may wait on the chain (a transaction's receipt): longer than gunicorn's 30 s default.
timeout = 60
graceful_timeout = 20
accesslog = "-"
# gunicorn 27's control socket (~/.gunicorn/gunicorn.ctl) would be shared by every instance of the user.
control_socket_disable = True
raw_env = ["RESIDENT_AUTO_MIGRATE=false"]


def on_starting(server) -> None:
    if settings.auto_migrate:
        migrate(settings.database_url)
