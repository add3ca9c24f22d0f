/**
 * Headless Debian Chromium through playwright-core (never `playwright install`), with a stand-in
 * for the VS Code webview API: `acquireVsCodeApi()` records what the panel posts, keeps its state,
 * and the test posts host messages as VS Code does (a `message` event on window). The page gets a
 * dark theme's --vscode-* variables, set through CSSOM as VS Code does, so no CSP exception is needed.
 */
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

export const DARK_THEME: Record<string, string> = {
  '--vscode-foreground': '#cccccc',
  '--vscode-descriptionForeground': '#9d9d9d',
  '--vscode-editor-background': '#1f1f1f',
  '--vscode-editorWidget-background': '#202020',
  '--vscode-panel-border': '#2b2b2b',
  '--vscode-focusBorder': '#0078d4',
  '--vscode-errorForeground': '#f85149',
  '--vscode-font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif',
  '--vscode-font-size': '13px',
  '--vscode-button-background': '#0078d4',
  '--vscode-button-foreground': '#ffffff',
  '--vscode-button-hoverBackground': '#026ec1',
  '--vscode-button-secondaryBackground': '#313131',
  '--vscode-button-secondaryForeground': '#cccccc',
  '--vscode-checkbox-background': '#313131',
  '--vscode-checkbox-border': '#3c3c3c',
  '--vscode-checkbox-foreground': '#cccccc',
  '--vscode-settings-checkboxBackground': '#313131',
  '--vscode-settings-checkboxBorder': '#3c3c3c',
  '--vscode-charts-blue': '#3794ff',
  '--vscode-charts-orange': '#d18616',
  '--vscode-charts-green': '#89d185',
  '--vscode-charts-purple': '#b180d7',
  '--vscode-charts-red': '#f14c4c',
  '--vscode-charts-yellow': '#cca700',
  '--vscode-editor-selectionBackground': '#264f78',
  '--vscode-dropdown-background': '#313131',
  '--vscode-dropdown-foreground': '#cccccc',
  '--vscode-dropdown-border': '#3c3c3c',
  '--vscode-dropdown-listBackground': '#1f1f1f',
  '--vscode-settings-dropdownBackground': '#313131',
  '--vscode-settings-dropdownBorder': '#3c3c3c',
  '--vscode-settings-dropdownForeground': '#cccccc',
};

export const LIGHT_THEME: Record<string, string> = {
  ...DARK_THEME,
  '--vscode-foreground': '#3b3b3b',
  '--vscode-descriptionForeground': '#717171',
  '--vscode-editor-background': '#ffffff',
  '--vscode-editorWidget-background': '#f8f8f8',
  '--vscode-panel-border': '#e5e5e5',
  '--vscode-errorForeground': '#e51400',
  '--vscode-button-secondaryBackground': '#e5e5e5',
  '--vscode-button-secondaryForeground': '#3b3b3b',
  '--vscode-checkbox-background': '#f8f8f8',
  '--vscode-checkbox-border': '#cecece',
  '--vscode-checkbox-foreground': '#3b3b3b',
  '--vscode-settings-checkboxBackground': '#f8f8f8',
  '--vscode-settings-checkboxBorder': '#cecece',
  '--vscode-dropdown-background': '#ffffff',
  '--vscode-dropdown-foreground': '#3b3b3b',
  '--vscode-dropdown-border': '#cecece',
  '--vscode-dropdown-listBackground': '#ffffff',
  '--vscode-settings-dropdownBackground': '#ffffff',
  '--vscode-settings-dropdownBorder': '#cecece',
  '--vscode-settings-dropdownForeground': '#3b3b3b',
  '--vscode-charts-blue': '#1a85ff',
  '--vscode-charts-orange': '#d18616',
  '--vscode-charts-green': '#388a34',
  '--vscode-charts-purple': '#652d90',
  '--vscode-charts-red': '#e51400',
  '--vscode-charts-yellow': '#bf8803',
  '--vscode-editor-selectionBackground': '#add6ff',
};

export const HIGH_CONTRAST_THEME: Record<string, string> = {
  ...DARK_THEME,
  '--vscode-foreground': '#ffffff',
  '--vscode-descriptionForeground': '#ffffff',
  '--vscode-editor-background': '#000000',
  '--vscode-editorWidget-background': '#0c141f',
  '--vscode-panel-border': '#6fc3df',
  '--vscode-focusBorder': '#f38518',
  '--vscode-contrastBorder': '#6fc3df',
  '--vscode-dropdown-background': '#000000',
  '--vscode-dropdown-border': '#6fc3df',
  '--vscode-settings-dropdownBackground': '#000000',
  '--vscode-settings-dropdownBorder': '#6fc3df',
  '--vscode-settings-checkboxBackground': '#000000',
  '--vscode-settings-checkboxBorder': '#6fc3df',
  '--vscode-charts-blue': '#3794ff',
  '--vscode-charts-green': '#89d185',
};

/** Switches theme the way VS Code does: new variables on <html>, a new class on <body>. */
export async function switchTheme(page: Page, theme: Record<string, string>, bodyClass: string): Promise<void> {
  await page.evaluate(
    ({ theme, bodyClass }) => {
      for (const [k, v] of Object.entries(theme)) document.documentElement.style.setProperty(k, v);
      document.body.classList.remove('vscode-dark', 'vscode-light', 'vscode-high-contrast');
      document.body.classList.add(bodyClass);
    },
    { theme, bodyClass },
  );
}

export interface StubOptions {
  /** What getState() returns at start (a reload passes the state saved before it). */
  state?: unknown;
  theme?: Record<string, string>;
}

/** Installs the stand-in before any page script runs. */
export async function installVsCodeStub(page: Page, options: StubOptions = {}): Promise<void> {
  // tsx compiles the functions below with esbuild's keepNames, which calls a `__name` helper.
  await page.addInitScript('globalThis.__name = (f) => f;');
  await page.addInitScript(
    ({ state, theme }) => {
      const w = window as unknown as Record<string, unknown>;
      const posted: unknown[] = [];
      /** performance.now() of each posted message (the panel bench times the page's start-up to `ready`). */
      const postedAt: number[] = [];
      const violations: Array<{ directive: string; blocked: string; sample: string }> = [];
      let saved: unknown = state;
      w['__posted'] = posted;
      w['__postedAt'] = postedAt;
      w['__cspViolations'] = violations;
      w['__savedState'] = () => saved;
      w['acquireVsCodeApi'] = () => ({
        postMessage: (m: unknown) => {
          postedAt.push(performance.now());
          posted.push(JSON.parse(JSON.stringify(m)));
        },
        getState: () => saved,
        setState: (s: unknown) => {
          saved = JSON.parse(JSON.stringify(s));
        },
      });
      document.addEventListener('securitypolicyviolation', (e) =>
        violations.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample }),
      );
      // Like VS Code, put the theme on <html> and a class on <body> as soon as they exist.
      const applyTheme = (): boolean => {
        if (!document.documentElement || !document.body) return false;
        for (const [k, v] of Object.entries(theme)) document.documentElement.style.setProperty(k, v);
        document.body.classList.add('vscode-dark');
        return true;
      };
      if (!applyTheme()) {
        const observer = new MutationObserver(() => applyTheme() && observer.disconnect());
        observer.observe(document, { childList: true, subtree: true });
      }
    },
    { state: options.state ?? null, theme: options.theme ?? DARK_THEME },
  );
}

export async function postToPanel(page: Page, message: unknown): Promise<void> {
  await page.evaluate((m) => window.postMessage(m, '*'), message);
}

export async function postedMessages(page: Page): Promise<Array<Record<string, unknown>>> {
  return page.evaluate(() => (window as unknown as { __posted: Array<Record<string, unknown>> }).__posted);
}

export async function cspViolations(page: Page): Promise<unknown[]> {
  return page.evaluate(() => (window as unknown as { __cspViolations: unknown[] }).__cspViolations);
}

/** Waits until the panel has posted a message of `type` (and returns the first one). */
export async function waitForPosted(page: Page, type: string, timeoutMs = 10_000): Promise<Record<string, unknown>> {
  const handle = await page.waitForFunction(
    (t) => (window as unknown as { __posted: Array<{ type: string }> }).__posted.find((m) => m.type === t),
    type,
    { timeout: timeoutMs },
  );
  return (await handle.jsonValue()) as Record<string, unknown>;
}
