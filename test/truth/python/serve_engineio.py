"""Serves one python-socketio case module given on the command line: its `sio` server as a WSGI
app on 127.0.0.1. Used by test/truth-python.test.ts with Debian's python3-socketio and python3-engineio."""
import importlib.util
import pathlib
import sys

import socketio
from werkzeug.serving import run_simple

path = sys.argv[2]
spec = importlib.util.spec_from_file_location(pathlib.Path(path).stem, path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
run_simple("127.0.0.1", int(sys.argv[1]), socketio.WSGIApp(module.sio), threaded=True)
