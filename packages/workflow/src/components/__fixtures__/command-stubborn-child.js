// The grandchild of command-process-tree.js: ignores SIGTERM, runs until killed.
process.on('SIGTERM', () => process.stdout.write('ignoring SIGTERM\n'));
process.stdout.write(`ready ${process.pid} ${process.ppid}\n`);
setInterval(() => undefined, 1 << 30);
