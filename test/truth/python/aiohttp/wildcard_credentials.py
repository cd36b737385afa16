import aiohttp_cors
from aiohttp import web

app = web.Application()
cors = aiohttp_cors.setup(app, defaults={
    "*": aiohttp_cors.ResourceOptions(allow_credentials=True, allow_headers="*"),
})
