/**
 * How the host's thread answers while something works in the background (issue 15's "a command
 * answers within 1 s"): the slowest answer and the longest gap between answers of a command asked
 * every 20 ms while `busy`. Copy Checkpoint Path with no checkpoint answers in the extension host
 * itself (no clipboard, no round trip to the window), so it measures the host's thread alone.
 */
import assert from 'node:assert/strict';
import { COMMANDS } from '../../../src/extension/commands/ids';
import * as vscode from 'vscode';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface AnswerTimes {
  answers: number[];
  worst: number;
  worstGap: number;
}

export async function answerTimes(busy: () => boolean): Promise<AnswerTimes> {
  const answers: number[] = [];
  let worstGap = 0;
  let last = performance.now();
  while (busy()) {
    const asked = performance.now();
    assert.equal(await vscode.commands.executeCommand(COMMANDS.copyCheckpointPath), undefined);
    const answered = performance.now();
    answers.push(answered - asked);
    // A read on the host's thread would also delay the loop between commands: the gap catches it.
    worstGap = Math.max(worstGap, answered - last);
    last = answered;
    await sleep(20);
  }
  return { answers, worst: Math.max(...answers), worstGap };
}

/** The times of `answerTimes` over 3 s with nothing else asked of the host: how loaded this machine is. */
export function idleAnswerTimes(): Promise<AnswerTimes> {
  const until = performance.now() + 3000;
  return answerTimes(() => performance.now() < until);
}

/**
 * Asserts the slowest answer under 1 s, and the longest gap under 1 s beyond the gap seen idle (on
 * a loaded machine the host's timers lag by themselves; 1 s on an idle one).
 */
export function assertResponsive(busy: AnswerTimes, idle: AnswerTimes, what: string): void {
  assert.ok(busy.answers.length >= 3, `${what} ended before the commands could be timed (${busy.answers.length})`);
  assert.ok(busy.worst < 1000, `a command took ${busy.worst.toFixed(0)} ms while ${what}`);
  const bound = Math.max(1000, idle.worstGap + 1000);
  assert.ok(
    busy.worstGap < bound,
    `the host did not answer for ${busy.worstGap.toFixed(0)} ms while ${what} (bound ${bound.toFixed(0)} ms)`,
  );
}
