"""Serves one aiohttp-cors case module given on the command line: its `app` and `cors` (from
aiohttp_cors.setup), with a resource /r whose routes are all added to `cors`. Used by
test/truth-python.test.ts with Debian's python3-aiohttp-cors."""
import importlib.util
import pathlib
import sys

from aiohttp import web


async def endpoint(request):
    return web.Response(text="ok")


path = sys.argv[2]
spec = importlib.util.spec_from_file_location(pathlib.Path(path).stem, path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
resource = module.app.router.add_resource("/r")
for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
    module.cors.add(resource.add_route(method, endpoint))
web.run_app(module.app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
