"""Registers the HTML blueprints and the template helpers they share."""

from flask import Flask

from wiki.auth.perspectives import PERSPECTIVES


def register_blueprints(app: Flask) -> None:
    from wiki.admin.routes import bp as admin_bp
    from wiki.auth.routes import bp as auth_bp
    from wiki.auth.session import init_login
    from wiki.spaces.routes import bp as spaces_bp
    from wiki.spaces.routes import main as main_bp

    init_login(app)
    for blueprint in (main_bp, auth_bp, spaces_bp, admin_bp):
        app.register_blueprint(blueprint)
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals["PERSPECTIVES"] = PERSPECTIVES
