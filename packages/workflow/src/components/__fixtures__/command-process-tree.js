// A `command` fixture: starts a grandchild that ignores SIGTERM (it shares
// this process's stdout and stderr), then waits. The grandchild prints
// `ready <its pid> <this pid>` once its SIGTERM handler is in place, and
// `ignoring SIGTERM` when it gets one. This process itself dies on SIGTERM.
const { spawn } = require('node:child_process');
const { join } = require('node:path');

spawn(process.execPath, [join(__dirname, 'command-stubborn-child.js')], { stdio: ['ignore', 'inherit', 'inherit'] });
setInterval(() => undefined, 1 << 30);
