"""The merchant console: staff sign in, scan or type a credit code, and report outcomes."""


def register(app):
    from app.merchant_web.console import bp

    app.register_blueprint(bp)
