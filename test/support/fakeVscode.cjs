// A stand-in for the `vscode` module, for loading extension-host code in plain Node: every member is a
// callable, constructible stub that returns more stubs; the few that code branches on are real
// (settings return their defaults, findFiles finds nothing, events hand back disposables). Calls to
// the members named in `recorded` are counted in `calls`; the tree views created are kept in `treeViews`.
'use strict';

function createFakeVscode({ recorded = [] } = {}) {
  const calls = Object.fromEntries(recorded.map((name) => [name, 0]));
  const listeners = {};
  const treeViews = [];
  const disposable = { dispose() {} };
  const event = (name) => (listener) => ((listeners[name] ??= []).push(listener), disposable);
  class EventEmitter {
    handlers = [];
    event = (listener) => (this.handlers.push(listener), { dispose: () => {} });
    fire(value) {
      for (const h of this.handlers) h(value);
    }
    dispose() {}
  }
  const real = {
    EventEmitter,
    Disposable: class {
      static from() {
        return disposable;
      }
      dispose() {}
    },
    Uri: {
      file: (fsPath) => ({ scheme: 'file', fsPath, path: fsPath, toString: () => `file://${fsPath}` }),
      joinPath: (base, ...parts) => ({ ...base, fsPath: [base.fsPath, ...parts].join('/') }),
    },
    'workspace.getConfiguration': () => ({ get: (_key, fallback) => fallback, inspect: () => undefined }),
    'workspace.findFiles': async () => [],
    'workspace.workspaceFolders': undefined,
    'workspace.textDocuments': [],
    'workspace.getWorkspaceFolder': () => undefined,
    'workspace.onDidOpenTextDocument': event('workspace.onDidOpenTextDocument'),
    'window.createTreeView': (id, options) => (treeViews.push({ id, provider: options.treeDataProvider }), disposable),
  };
  const member = (name, prop) => {
    if (typeof prop === 'symbol' || prop === 'then') return undefined;
    const full = name === 'vscode' ? prop : `${name}.${prop}`;
    return /(^|\.)on[A-Z]/.test(full) ? (real[full] ?? event(full)) : stub(full);
  };
  const stub = (name) => {
    if (name in real) {
      if (name in calls) calls[name]++;
      return real[name];
    }
    const assigned = new Map();
    return new Proxy(class {}, {
      get(target, prop) {
        if (assigned.has(prop)) return assigned.get(prop);
        return prop in target ? target[prop] : member(name, prop);
      },
      set(_target, prop, value) {
        assigned.set(prop, value);
        return true;
      },
      apply() {
        if (name in calls) calls[name]++;
        return stub(`${name}()`);
      },
      construct() {
        return stub(`new ${name}`);
      },
      // A bundle reads the module through a copy whose prototype is the module's (esbuild's __toESM).
      getPrototypeOf() {
        return name === 'vscode' ? new Proxy({}, { get: (_t, prop) => member('vscode', prop) }) : Function.prototype;
      },
    });
  };
  return { vscode: stub('vscode'), calls, listeners, treeViews };
}

/** Makes `require('vscode')` return `vscode` in this process. */
function installFakeVscode(vscode) {
  const Module = require('node:module');
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    return request === 'vscode' ? 'vscode' : resolve.call(this, request, ...rest);
  };
  require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: vscode };
}

module.exports = { createFakeVscode, installFakeVscode };
