// One command from a fresh machine (Node >= 20 and npm only) to the running demo:
//   npm run quickstart [-- demo flags]
// Installs pnpm if it is missing, installs the workspace, builds it, runs `pnpm demo`.
import { execFileSync, spawnSync } from 'node:child_process';

function pnpmMajor() {
  try {
    return Number(execFileSync('pnpm', ['--version'], { encoding: 'utf8' }).split('.')[0]);
  } catch (err) {
    if (err.code !== 'ENOENT') console.error(`pnpm --version failed: ${err.message}`);
    return 0;
  }
}

function run(cmd, args) {
  console.error(`> ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.error) throw r.error;
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// corepack's pnpm download fails its signature check against some registries; npm's install works.
if (pnpmMajor() !== 10) run('npm', ['install', '-g', 'pnpm@10']);
run('pnpm', ['install', '--frozen-lockfile']);
run('pnpm', ['build']);
run('pnpm', ['demo', ...process.argv.slice(2)]);
