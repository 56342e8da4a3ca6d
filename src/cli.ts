#!/usr/bin/env node
// `speclin <command>`: the command-line front. Each command lives in src/commands/<name>.ts and
// exports `run(args: string[]): Promise<number>` (the exit code) and `usage: string`.
// Bad arguments print a usage message on stderr and exit with code 2.
import { UsageError } from './cli/args.js';
import { commandList } from './commands/registry.js';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const commands = commandList();
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stderr.write(`usage: speclin <command> [options]\n\ncommands:\n${commands.map((c) => `  ${c.name.padEnd(8)} ${c.summary}`).join('\n')}\n`);
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`speclin: unknown command '${name}'\nusage: speclin <command> [options]; commands: ${commands.map((c) => c.name).join(', ')}\n`);
    return 2;
  }
  try {
    const mod = await command.load();
    return await mod.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`speclin ${name}: ${err.message}\n\n${err.usage}\n`);
      return 2;
    }
    process.stderr.write(`speclin ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
