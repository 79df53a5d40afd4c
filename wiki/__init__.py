"""The strategy wiki: create_app() builds a configured application; nothing happens at import."""

import os
import secrets
from pathlib import Path

from flask import Flask

from config import CONFIGS, Config


def _instance_path() -> str:
    """WIKI_INSTANCE_PATH (default ./instance) holds the database, search index and editions."""
    return str(Path(os.environ.get("WIKI_INSTANCE_PATH", "instance")).resolve())


def _secret_key(app: Flask) -> str:
    """Production must set SECRET_KEY; elsewhere one is generated once into the instance folder."""
    if app.config.get("SECRET_KEY"):
        return app.config["SECRET_KEY"]
    if app.config.get("ENV_NAME") == "production":
        raise RuntimeError("SECRET_KEY must be set in production (see README, Configuration).")
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        from wiki.files import write_private

        write_private(key_file, secrets.token_hex(32))
    return key_file.read_text().strip()


def _configure(app: Flask, config: type[Config] | str | None, overrides: dict | None) -> None:
    name = config if isinstance(config, str) else None
    if config is None or isinstance(config, str):
        name = name or os.environ.get("WIKI_CONFIG", "development")
        if name not in CONFIGS:
            raise RuntimeError(f"Unknown WIKI_CONFIG {name!r}; use one of {sorted(CONFIGS)}.")
        config = CONFIGS[name]
    app.config.from_object(config)
    app.config["ENV_NAME"] = next((key for key, value in CONFIGS.items() if value is config), "custom")
    app.config.update(overrides or {})
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config["SECRET_KEY"] = _secret_key(app)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'wiki.sqlite'}"


def create_app(config: type[Config] | str | None = None, overrides: dict | None = None) -> Flask:
    """Build the app: config → extensions → blueprints → socket namespaces → CLI → error handlers."""
    root = Path(__file__).resolve().parent.parent
    app = Flask(
        __name__,
        instance_path=_instance_path(),
        template_folder=str(root / "templates"),
        static_folder=str(root / "static"),
    )
    _configure(app, config, overrides)

    from wiki import extensions, models, web  # noqa: F401 - models registers the tables
    from wiki.api import init_api
    from wiki.cli import register_cli
    from wiki.comments.subscribers import init_comments
    from wiki.documents.subscribers import init_documents
    from wiki.errors import register_error_handlers
    from wiki.realtime.subscribers import init_realtime
    from wiki.search.subscribers import init_search
    from wiki.security import init_security

    extensions.init_app(app)
    init_security(app)
    web.register_blueprints(app)
    init_api(app)
    init_documents(app)
    init_realtime(app)
    init_comments(app)
    init_search(app)
    register_cli(app)
    register_error_handlers(app)
    from wiki.awareness.setup import init_awareness

    init_awareness(app)  # recent changes, watching, notifications, email (issue 9)
    from wiki.documents import cached_page, generations, shell_page

    generations.install()  # page generations: every write that changes a reading page counts
    cached_page.init_page_cache(app)
    shell_page.init_shell_page(app)
    return app
