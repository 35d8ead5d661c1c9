import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConsoleDriver } from './console-driver.js';

describe('ConsoleDriver', () => {
  it('prints state changes and an on/off indicator, once per change', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const driver = new ConsoleDriver(out);
    driver.note('alarm', 'LHR 45 s');
    driver.note('alarm', 'LHR 46 s');
    driver.set(true);
    driver.set(true);
    driver.note('ok', 'all POPs within threshold');
    await driver.close();
    expect(text).toBe(
      'state → alarm: LHR 45 s\n● BEACON ON   alarm: LHR 45 s\nstate → ok: all POPs within threshold\n○ beacon off  ok: all POPs within threshold\n',
    );
  });
});

describe('ConsoleDriver with text it did not write', () => {
  it('prints a reason as one plain line: no escape sequences, no fake lines, no bidi tricks', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const driver = new ConsoleDriver(out);
    driver.note('alarm', 'LHR\x1b[2J\x1b]0;title\x07\r\n○ beacon off  ok: all fine\u202e');
    driver.set(true);
    expect(text).toBe(
      'state → alarm: LHR\ufffd[2J\ufffd]0;title\ufffd ○ beacon off  ok: all fine\ufffd\n' +
        '● BEACON ON   alarm: LHR\ufffd[2J\ufffd]0;title\ufffd ○ beacon off  ok: all fine\ufffd\n',
    );
  });
});
