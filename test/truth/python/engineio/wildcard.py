import socketio

# '*' lets every origin in, answered with its own origin, and credentials are on by default.
sio = socketio.Server(cors_allowed_origins="*")
