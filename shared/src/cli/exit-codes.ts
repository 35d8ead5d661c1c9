/** Exit codes every propwatch command uses (sysexits.h where one fits), defined once. */

/** Done, or stopped cleanly by SIGINT/SIGTERM. */
export const EXIT_OK = 0;
/** A crash, or a start that failed for a reason other than the config (a port in use). */
export const EXIT_FAILURE = 1;
/** The command line is wrong (an unknown flag, a flag without its value): usage is printed. */
export const EXIT_USAGE = 2;
/** sysexits.h EX_UNAVAILABLE: something the command needs is not there (no GPIO for the chosen driver). */
export const EXIT_UNAVAILABLE = 69;
/** sysexits.h EX_CONFIG: the config is wrong. systemd's RestartPreventExitStatus=78 keeps it from crash-looping. */
export const EXIT_CONFIG = 78;

/**
 * Ends a command with one line on stderr and `exitCode`, never a stack trace:
 * for failures a person can act on that are not config errors ("the port is
 * in use: …"). A ConfigError thrown by a command ends it with EXIT_CONFIG.
 */
export class CommandError extends Error {
  override readonly name = 'CommandError';

  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
  }
}
