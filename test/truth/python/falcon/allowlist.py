import falcon

cors = falcon.CORSMiddleware(
    allow_origins=["https://app.example.com", "https://admin.example.com"],
    allow_credentials=["https://app.example.com"],
    expose_headers=["X-Total", "X-Page"],
)
app = falcon.App(middleware=cors)
