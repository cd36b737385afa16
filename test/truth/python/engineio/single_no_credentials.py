import socketio

sio = socketio.Server(cors_allowed_origins="https://app.example.com", cors_credentials=False)
