// The language server's thread (launchServer in server.ts): stdin and stdout are the process's, forwarded by Node.
import { startServer } from './server.js';

startServer();
