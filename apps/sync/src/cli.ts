import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UsageError, errorSentence, exitCodeFor } from './errors.js';
import { progressModeFor } from './progress.js';
import { type DestinationChoice, runSync } from './run.js';
import { formatSummary } from './summary.js';

const HELP = `ada-sync: sync Ada into DuckDB, PostgreSQL, JSONL files or any Airbyte destination.

Usage:
  ada-sync run --config CONFIG.json [--destination URI] [--streams a,b] [--full-refresh] [--json] [--quiet]
  ada-sync demo [--destination URI]
  ada-sync validate --config CONFIG.json [--source-command "CMD"] [--max-records N] [--streams a,b] [--json] [--quiet]
  ada-sync destination duckdb|postgres|jsonl spec | check --config F | write --config F --catalog F

Destinations (--destination):
  duckdb:PATH                                  a DuckDB file (default duckdb:./ada.duckdb)
  postgres://user@host:5432/db?schema=NAME     PostgreSQL (also postgresql://)
  jsonl:DIR                                    one <stream>.jsonl file per stream
  --destination-command "CMD" --destination-config F [--state-file F]
                                               any Airbyte destination program

Other options of run:
  --source-command "CMD"   any Airbyte source instead of source-ada
  --streams a,b            only these streams
  --full-refresh           read everything again and replace the tables
  --json                   print the summary as one JSON object on stdout
  --quiet                  no progress display

validate runs spec, check, discover and a full refresh of every stream, stopped once each stream has sent
--max-records records (default 100) or finished; it checks the config against the spec, each record
against its stream's schema and the states and stream statuses against the catalog, prints a PASS/FAIL
table (--json: one JSON object) and exits 1 on any failure. A stream the source skips (INCOMPLETE with no
error, as for an API the account lacks) is SKIP and does not fail. --source-command validates any Airbyte
source; --streams reads only those streams.
`;

function version(): string {
  try {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return manifest.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** parseArgs, with its complaints turned into usage errors. */
function parsed<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message.split('\n')[0]!.replace(/\.$/, '') : String(error)}; see ada-sync --help`);
  }
}

/** First Ctrl-C stops cleanly (what is committed stays); a second one quits at once. */
function interruptController(onFirst: () => void): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((name) => {
    const handler = () => {
      if (controller.signal.aborted) process.exit(name === 'SIGINT' ? 130 : 143);
      onFirst();
      controller.abort(name);
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
  return {
    signal: controller.signal,
    dispose: () => {
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}

async function runCommand(args: string[]): Promise<number> {
  const { values } = parsed(() =>
    parseArgs({
      args,
      strict: true,
      options: {
        config: { type: 'string' },
        destination: { type: 'string' },
        'destination-command': { type: 'string' },
        'destination-config': { type: 'string' },
        'state-file': { type: 'string' },
        'source-command': { type: 'string' },
        streams: { type: 'string' },
        'full-refresh': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
      },
    }),
  );
  const json = values.json === true;
  try {
    if (typeof values.config !== 'string') throw new UsageError('run needs --config CONFIG.json; see ada-sync --help');
    let destination: DestinationChoice | undefined;
    if (typeof values['destination-command'] === 'string') {
      if (typeof values.destination === 'string') throw new UsageError('use either --destination or --destination-command, not both');
      if (typeof values['destination-config'] !== 'string') {
        throw new UsageError('--destination-command needs --destination-config F (the destination program\'s config file)');
      }
      destination = {
        kind: 'command',
        command: values['destination-command'],
        configPath: values['destination-config'],
        stateFile: typeof values['state-file'] === 'string' ? values['state-file'] : undefined,
      };
    } else if (typeof values.destination === 'string') {
      destination = { kind: 'uri', uri: values.destination };
    }
    const streams =
      typeof values.streams === 'string'
        ? values.streams
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : undefined;
    const interrupt = interruptController(() => {
      if (values.quiet !== true) process.stderr.write('\nstopping: committing what is complete (Ctrl-C again to quit at once)\n');
    });
    try {
      const result = await runSync({
        configPath: values.config,
        destination,
        sourceCommand: typeof values['source-command'] === 'string' ? values['source-command'] : undefined,
        streams,
        fullRefresh: values['full-refresh'] === true,
        progress: progressModeFor(process.stderr, values.quiet === true),
        signal: interrupt.signal,
      });
      if (json) process.stdout.write(`${JSON.stringify(result.summary)}\n`);
      else process.stdout.write(`${formatSummary(result.summary)}\n`);
      if (result.error !== undefined) {
        process.stderr.write(`ada-sync: ${errorSentence(result.error)}\n`);
        return exitCodeFor(result.error);
      }
      return 0;
    } finally {
      interrupt.dispose();
    }
  } catch (error) {
    if (json) process.stdout.write(`${JSON.stringify({ status: 'failed', error: errorSentence(error) })}\n`);
    throw error;
  }
}

async function demoCommand(args: string[]): Promise<number> {
  const { values } = parsed(() =>
    parseArgs({ args, strict: true, options: { destination: { type: 'string' }, quiet: { type: 'boolean', default: false } } }),
  );
  const interrupt = interruptController(() => process.stderr.write('\nstopping the demo\n'));
  try {
    const { runDemo } = await import('./demo.js');
    return await runDemo({
      destination: typeof values.destination === 'string' ? values.destination : undefined,
      quiet: values.quiet === true,
      signal: interrupt.signal,
    });
  } finally {
    interrupt.dispose();
  }
}

async function validateCommand(args: string[]): Promise<number> {
  const interrupt = interruptController(() => process.stderr.write('\nstopping the validation\n'));
  try {
    return await (await import('./validate/command.js')).validateCommand(args, interrupt.signal);
  } finally {
    interrupt.dispose();
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // `ada-sync run --help` is how people ask about a command: the help covers every command.
  if (command !== 'destination' && (rest.includes('--help') || rest.includes('-h'))) {
    process.stdout.write(HELP);
    return 0;
  }
  switch (command) {
    case 'run':
      return runCommand(rest);
    case 'demo':
      return demoCommand(rest);
    case 'validate':
      return validateCommand(rest);
    case 'destination':
      return (await import('./destinations/program.js')).destinationProgram(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return command === undefined ? 2 : 0;
    case '--version':
    case '-v':
      process.stdout.write(`${version()}\n`);
      return 0;
    default:
      throw new UsageError(`unknown command "${command}"; see ada-sync --help`);
  }
}

function fail(error: unknown): void {
  process.stderr.write(`ada-sync: ${errorSentence(error)}\n`);
  if (process.env.ADA_SYNC_DEBUG && error instanceof Error) process.stderr.write(`${error.stack ?? ''}\n`);
  process.exitCode = exitCodeFor(error);
}

process.on('uncaughtException', (error) => {
  fail(error);
  process.exit();
});
process.on('unhandledRejection', (error) => {
  fail(error);
  process.exit();
});

// `pnpm sync …` runs from the repository root; paths the user typed are relative to where they typed them.
if (process.env.npm_lifecycle_event === 'sync' && process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => fail(error),
);
