from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "dashboard.sandbox"
    label = "sandbox"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        """Turn off Nagle's algorithm on Django's development server (runserver and the test
        live server), where the dashboard calls the sandbox over loopback.

        That server writes a response's headers and body in two sends; with Nagle on, the body
        waits for the client's delayed ACK of the headers, about 40 ms on Linux, so every
        sandbox call took ~50 ms instead of a few. Gunicorn sets TCP_NODELAY itself.
        """
        from django.core.servers.basehttp import WSGIRequestHandler

        WSGIRequestHandler.disable_nagle_algorithm = True
