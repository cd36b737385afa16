"""Serves every Flask case module given on the command line, each mounted at /<module name> with
werkzeug's DispatcherMiddleware; a case without a /r route gets one. Used by test/truth-python.test.ts
with Debian's python3-flask and python3-flask-cors."""
import importlib.util
import pathlib
import sys

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import run_simple
from werkzeug.wrappers import Response

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def load(path):
    spec = importlib.util.spec_from_file_location(pathlib.Path(path).stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    app = module.app
    if not any(rule.rule == "/r" for rule in app.url_map.iter_rules()):
        app.add_url_rule("/r", "r", lambda: "ok", methods=METHODS)
    return "/" + pathlib.Path(path).stem, app


port = int(sys.argv[1])
mounts = dict(load(path) for path in sys.argv[2:])
root = DispatcherMiddleware(lambda environ, start: Response("no such case", status=404)(environ, start), mounts)
run_simple("127.0.0.1", port, root, threaded=True)
