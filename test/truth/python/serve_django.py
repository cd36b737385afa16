"""Serves one Django project whose settings are the case file given on the command line (plus what
Django needs to start), with a view at /r. Used by test/truth-python.test.ts with Debian's
python3-django and python3-django-cors-headers. With --check it runs Django's system checks instead
and prints the ids of the messages."""
import runpy
import sys
from wsgiref.simple_server import WSGIRequestHandler, make_server

import django
from django.conf import settings
from django.http import HttpResponse
from django.urls import path

case = {name: value for name, value in runpy.run_path(sys.argv[2]).items() if name.isupper()}
case.setdefault("INSTALLED_APPS", ["corsheaders"])
case.setdefault("MIDDLEWARE", ["corsheaders.middleware.CorsMiddleware", "django.middleware.common.CommonMiddleware"])
settings.configure(DEBUG=False, SECRET_KEY="truth-test", ALLOWED_HOSTS=["*"], ROOT_URLCONF=__name__, **case)
django.setup()


def view(request):
    return HttpResponse("ok")


urlpatterns = [path("r", view)]

if sys.argv[1] == "--check":
    from django.core import checks

    print(" ".join(sorted(message.id for message in checks.run_checks())))
    sys.exit(0)


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


from django.core.wsgi import get_wsgi_application

make_server("127.0.0.1", int(sys.argv[1]), get_wsgi_application(), handler_class=QuietHandler).serve_forever()
