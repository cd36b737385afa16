from falcon import App, CORSMiddleware

app = App(middleware=CORSMiddleware(allow_origins="*", allow_credentials=["https://app.example.com"]))
