/**
 * The `gpioset` driver, for systems without sysfs GPIO (recent Pi 5 OS
 * images): libgpiod's tool holds a line only while its process runs, so the
 * light is on while a child `gpioset ... <line>=1` is alive. libgpiod v1 needs
 * `--mode=signal` to stay alive; v2 stays alive by default and takes the chip
 * with `-c`. Both take `-l` (active-low), making the values logical.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import type { Logger } from '@propwatch/shared';
import type { BeaconDriver, DriverContext } from './driver.js';

export type GpiosetVersion = 'v1' | 'v2';

export interface GpiosetOptions {
  binary: string;
  chip: string;
  /** Line offset on the chip; on a Pi this is the BCM number. */
  line: number;
  activeLow: boolean;
  version: GpiosetVersion | 'auto';
  logger?: Logger | undefined;
}

/** Asks `gpioset --version` ("gpioset (libgpiod) v1.6.3") which syntax it speaks. */
export async function detectGpiosetVersion(binary: string): Promise<GpiosetVersion> {
  let output: string;
  try {
    const { stdout, stderr } = await promisify(execFile)(binary, ['--version'], { timeout: 5_000 });
    output = `${stdout}${stderr}`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint =
      code === 'ENOENT'
        ? ': not found (install the Debian package "gpiod", or set gpioset.binary)'
        : `: ${(error as Error).message}`;
    throw new Error(`cannot run "${binary} --version"${hint}`);
  }
  const major = /v(\d+)\.\d+/.exec(output)?.[1];
  if (major === '1') return 'v1';
  if (major === '2') return 'v2';
  throw new Error(
    `cannot tell the libgpiod version from "${binary} --version" output ${JSON.stringify(output.trim().slice(0, 80))}; set gpioset.version to v1 or v2`,
  );
}

export function gpiosetArgs(
  version: GpiosetVersion,
  chip: string,
  line: number,
  value: 0 | 1,
  activeLow: boolean,
  hold: boolean,
): string[] {
  const low = activeLow ? ['-l'] : [];
  if (version === 'v2') return ['-c', chip, ...low, `${line}=${value}`];
  return [...(hold ? ['--mode=signal'] : []), ...low, chip, `${line}=${value}`];
}

export class GpiosetDriver implements BeaconDriver {
  readonly name = 'gpioset';
  private holder: ChildProcess | undefined;

  constructor(private readonly options: GpiosetOptions & { version: GpiosetVersion }) {}

  async set(on: boolean): Promise<void> {
    await this.release();
    if (on) return this.hold(1);
    // A released line falls back to an input with pull-down: off for an NPN
    // stage, but possibly *on* for an active-low relay, so that one is held at
    // logical 0 (pin high) for as long as we run.
    if (this.options.activeLow) return this.hold(0);
    if (this.options.version === 'v1') await this.runOnce(0);
  }

  async close(): Promise<void> {
    await this.release();
    if (!this.options.activeLow && this.options.version === 'v1') await this.runOnce(0);
  }

  private args(value: 0 | 1, hold: boolean): string[] {
    const { version, chip, line, activeLow } = this.options;
    return gpiosetArgs(version, chip, line, value, activeLow, hold);
  }

  private hold(value: 0 | 1): Promise<void> {
    const args = this.args(value, true);
    const child = spawn(this.options.binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.holder = child;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-500);
    });
    child.once('exit', (code, signal) => {
      if (this.holder !== child) return;
      this.holder = undefined;
      this.options.logger?.error(
        { args, code, signal, stderr: stderr.trim() },
        'gpioset exited on its own: the line is no longer held',
      );
    });
    return new Promise((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (error) => {
        if (this.holder === child) this.holder = undefined;
        reject(
          new Error(
            `cannot run ${this.options.binary} ${args.join(' ')}: ${error.message} (install the Debian package "gpiod", or set gpioset.binary)`,
          ),
        );
      });
    });
  }

  private async release(): Promise<void> {
    const child = this.holder;
    if (!child) return;
    this.holder = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
    await exited;
    clearTimeout(timer);
  }

  private runOnce(value: 0 | 1): Promise<void> {
    const args = this.args(value, false);
    return new Promise((resolve, reject) => {
      execFile(this.options.binary, args, { timeout: 5_000 }, (error, _stdout, stderr) => {
        if (error)
          reject(new Error(`${this.options.binary} ${args.join(' ')} failed: ${stderr.trim() || error.message}`));
        else resolve();
      });
    });
  }
}

/** Opens the driver and forces the light off. */
export async function openGpiosetDriver(options: GpiosetOptions): Promise<GpiosetDriver> {
  const version = options.version === 'auto' ? await detectGpiosetVersion(options.binary) : options.version;
  const driver = new GpiosetDriver({ ...options, version });
  await driver.set(false);
  return driver;
}

export function openGpiosetDriverFromConfig(context: DriverContext): Promise<BeaconDriver> {
  const { config } = context;
  return openGpiosetDriver({
    ...config.gpioset,
    line: config.pin,
    activeLow: config.activeLow,
    logger: context.logger,
  });
}
