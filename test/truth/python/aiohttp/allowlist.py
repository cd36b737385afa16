import aiohttp_cors
from aiohttp import web

app = web.Application()
cors = aiohttp_cors.setup(app, defaults={
    "https://app.example.com": aiohttp_cors.ResourceOptions(allow_credentials=True, allow_headers=("X-Token", "Content-Type"), expose_headers=("X-Total",)),
    "https://admin.example.com": aiohttp_cors.ResourceOptions(allow_credentials=True, allow_headers=("X-Token", "Content-Type"), expose_headers=("X-Total",)),
})
