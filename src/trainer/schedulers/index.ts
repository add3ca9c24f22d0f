import type { SchedulerState } from '../../core/checkpoint/types';
import type { SchedulerConfig } from '../../core/config/types';
import { InputError } from '../util/errors';
import { type ScheduleParams, learningRateAt, resolveSchedule } from './schedules';

export { learningRateAt, resolveSchedule, type ScheduleParams } from './schedules';

/**
 * Steps through a schedule. The trainer asks `nextLr()` before each step, sets it on the optimizer,
 * then calls `advance()`. Restoring takes the step count (and checks the type); the shape of the
 * schedule comes from the current config, so a resumed run continues the configured curve.
 */
export class LrScheduler {
  private stepCount = 0;
  private lastLr: number;

  constructor(readonly params: ScheduleParams) {
    this.lastLr = learningRateAt(params, 0);
  }

  static fromConfig(config: SchedulerConfig, baseLr: number, maxSteps: number): LrScheduler {
    return new LrScheduler(resolveSchedule(config, baseLr, maxSteps));
  }

  get step(): number {
    return this.stepCount;
  }

  nextLr(): number {
    return learningRateAt(this.params, this.stepCount);
  }

  advance(): void {
    this.lastLr = this.nextLr();
    this.stepCount++;
  }

  getState(): SchedulerState {
    return {
      type: this.params.type,
      config: { ...this.params },
      step: this.stepCount,
      last_lr: this.lastLr,
      next_lr: this.nextLr(),
    };
  }

  /** Returns warnings for differences between the saved schedule and this one. */
  setState(state: SchedulerState): string[] {
    if (state.type !== this.params.type) {
      throw new InputError(
        `the checkpoint's scheduler is ${state.type} but the config says ${this.params.type}; set restore_scheduler_state: false to start the schedule afresh`,
        'scheduler.type',
      );
    }
    if (!Number.isInteger(state.step) || state.step < 0)
      throw new InputError(`the checkpoint's scheduler step ${state.step} is not a non-negative integer`);
    const warnings: string[] = [];
    for (const [key, value] of Object.entries(this.params)) {
      if (key in state.config && state.config[key] !== value) {
        warnings.push(
          `scheduler ${key} was ${String(state.config[key])} in the checkpoint and is ${String(value)} now; the schedule continues with the new value from step ${state.step}`,
        );
      }
    }
    this.stepCount = state.step;
    this.lastLr = state.last_lr;
    return warnings;
  }
}
