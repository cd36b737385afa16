"""Serves one Falcon case module given on the command line: its `app` with a resource at /r that has
every responder, on 127.0.0.1. Used by test/truth-python.test.ts with Debian's python3-falcon."""
import importlib.util
import pathlib
import socketserver
import sys
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

path = sys.argv[2]
spec = importlib.util.spec_from_file_location(pathlib.Path(path).stem, path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)


class Resource:
    def on_get(self, req, resp):
        resp.media = {"ok": True}

    on_post = on_put = on_delete = on_patch = on_get


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


module.app.add_route("/r", Resource())
make_server("127.0.0.1", int(sys.argv[1]), module.app, server_class=ThreadingServer, handler_class=QuietHandler).serve_forever()
