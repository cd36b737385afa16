import aiohttp_cors
from aiohttp import web

app = web.Application()
cors = aiohttp_cors.setup(app, defaults={
    "*": aiohttp_cors.ResourceOptions(allow_headers=("Content-Type", "X-Token"), max_age=600),
})
