// A plugin for the CLI's end-to-end tests, in plain JavaScript (no decorator
// syntax): the decorators are called as functions.
'use strict';
const { Operation, Output } = require('@portflow/core');
const { Component } = require('@portflow/workflow');

/** Ignores cancellation: only a second Ctrl-C gets rid of it. */
class Stubborn extends Operation {
  async execute() {
    await new Promise((resolve) => setTimeout(resolve, 60_000));
    return { value: 'done' };
  }
}
Output()(Stubborn.prototype, 'value');
Component('stubborn', { description: 'Waits a minute and ignores cancellation' })(Stubborn);

/** Fails its first attempt, succeeds on the second. */
class Flaky extends Operation {
  execute(_inputs, context) {
    if (context.attempt < 2) throw new Error(`flaky attempt ${context.attempt}`);
    return { value: context.attempt };
  }
}
Output()(Flaky.prototype, 'value');
Component('flaky', { description: 'Fails once, then succeeds' })(Flaky);

module.exports = { Stubborn, Flaky };
