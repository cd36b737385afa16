#!/usr/bin/env node
// Installs the programs the real-server and real-client tests start (Debian's nginx with the headers-more
// module; Starlette, FastAPI, uvicorn, Flask-CORS, django-cors-headers, aiohttp-cors, python-socketio and Falcon for /usr/bin/python3; pre-commit;
// Neovim; Chromium) when they are missing. Runs before `vitest run` in `npm test`; a no-op when everything is there.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const PACKAGES = [
  { name: 'nginx-light', present: () => commandExists('nginx') },
  { name: 'libnginx-mod-http-headers-more-filter', present: () => existsSync('/usr/share/nginx/modules-available/mod-http-headers-more-filter.conf') || existsSync('/usr/lib/nginx/modules/ngx_http_headers_more_filter_module.so') },
  // Debian's Python libraries are seen by /usr/bin/python3 only, so that is what the tests run.
  { name: 'python3-starlette', present: () => pythonImports('starlette') },
  { name: 'python3-uvicorn', present: () => pythonImports('uvicorn') },
  { name: 'python3-fastapi', present: () => pythonImports('fastapi') },
  { name: 'python3-flask-cors', present: () => pythonImports('flask_cors') },
  { name: 'python3-django-cors-headers', present: () => pythonImports('corsheaders') },
  { name: 'python3-aiohttp-cors', present: () => pythonImports('aiohttp_cors') },
  { name: 'python3-socketio', present: () => pythonImports('socketio') },
  { name: 'python3-falcon', present: () => pythonImports('falcon') },
  // The real clients of the pre-commit hook and the LSP server.
  { name: 'pre-commit', present: () => commandExists('pre-commit') },
  { name: 'neovim', present: () => commandExists('nvim') },
  { name: 'git', present: () => commandExists('git') },
  // The real browser browserVerdict() is checked against.
  { name: 'chromium', present: () => commandExists('chromium') },
];

function pythonImports(module) {
  return spawnSync('/usr/bin/python3', ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
}

function commandExists(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

const missing = PACKAGES.filter((pkg) => !pkg.present()).map((pkg) => pkg.name);
if (missing.length === 0) process.exit(0);
if (!commandExists('apt-get')) {
  console.error(`cors-lint tests: missing ${missing.join(', ')} and no apt-get to install them; the real-server tests will fail under CI=true.`);
  process.exit(process.env.CI === 'true' ? 1 : 0);
}
const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
console.log(`cors-lint tests: installing ${missing.join(', ')} from Debian…`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const run = (args) => execFileSync(sudo.length ? 'sudo' : args[0], sudo.length ? args : args.slice(1), { stdio: 'inherit', env });
run(['apt-get', 'update', '-qq']);
run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...missing]);
