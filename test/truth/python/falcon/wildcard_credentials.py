import falcon

app = falcon.App(middleware=[falcon.CORSMiddleware(allow_origins="*", allow_credentials="*")])
