import falcon

app = falcon.App(cors_enable=True)
