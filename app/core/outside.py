"""Outside services (the SMS gateway, the identity check) chosen by a setting naming their class
as `module:Class`; the embedded default's stand-ins are refused in production."""
from importlib import import_module

from app.core.config import ConfigError


def connect(app, setting: str, default: str, stand_in: type):
    """Build the service `app.config[setting]` names (`default` when unset) with the config."""
    module, _sep, name = (app.config.get(setting) or default).partition(":")
    service_class = getattr(import_module(module), name)
    if app.config["APP_ENV"] == "production" and issubclass(service_class, stand_in):
        raise ConfigError(f"{setting} must name a real service in production, not "
                          f"{service_class.__name__}")
    return service_class(app.config)
