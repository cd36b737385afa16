"""Serves every Starlette/FastAPI case module given on the command line, each mounted at /<module name>,
with a catch-all route /r on each app. Used by test/truth-python.test.ts with Debian's python3-starlette."""
import importlib.util
import pathlib
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Mount


async def endpoint(request):
    return PlainTextResponse("ok")


def load(path):
    spec = importlib.util.spec_from_file_location(pathlib.Path(path).stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.app.add_route("/r", endpoint, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    return Mount("/" + pathlib.Path(path).stem, app=module.app)


port = int(sys.argv[1])
root = Starlette(routes=[load(path) for path in sys.argv[2:]])
uvicorn.run(root, host="127.0.0.1", port=port, log_level="error")
