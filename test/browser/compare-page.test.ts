// compare.html in a real browser: headless Chromium opens the generated page
// from disk, as a learner would, and the test asserts that every target's
// column is there and visible and that the page asked the network for
// nothing. A full-page screenshot of each pattern's page is saved in
// test-results/ (git-ignored). Without Chromium the test is skipped, unless
// CI=true or REQUIRE_CHROMIUM=1 say it must run (.ci/run installs it).

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patterns, targets } from '../../src/catalogue.js';
import { isComparison, renderComparison, settleRequest } from '../../src/comparison.js';
import { Browser, findChromium } from './cdp.js';

const chromium = findChromium();
const required = process.env.CI === 'true' || process.env.REQUIRE_CHROMIUM === '1';
const artifacts = path.join(import.meta.dirname, '..', '..', 'test-results');

it.runIf(required)('Chromium is installed where CI=true or REQUIRE_CHROMIUM=1 asks for it', () => {
  expect(chromium, 'no chromium on PATH: apt-get install chromium, or set CHROMIUM').toBeDefined();
});

if (!chromium && !required) {
  console.warn('compare.html browser tests skipped: no chromium on PATH (apt-get install chromium, or set CHROMIUM)');
}

interface Column {
  target: string;
  width: number;
  height: number;
  visibility: string;
  display: string;
  /** Cells of this target with a rendered box, one per concept row. */
  visibleCells: number;
}

describe.runIf(chromium)('compare.html in headless Chromium', () => {
  let browser: Browser;
  let workDir: string;
  beforeAll(async () => {
    workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ccp-browser-'));
    await fs.mkdir(artifacts, { recursive: true });
    browser = await Browser.launch(chromium!);
  });
  afterAll(async () => {
    await browser?.close();
    await fs.rm(workDir, { recursive: true, force: true });
  });

  for (const pattern of patterns) {
    it(`${pattern.id}: every target's column is visible and nothing is fetched`, { timeout: 60_000 }, async () => {
      const { choice } = await settleRequest(
        { pattern: pattern.id, target: 'all', name: `cmp-${pattern.id}`, force: false },
        workDir,
      );
      if (!choice || !isComparison(choice)) throw new Error('expected a comparison');
      const page = (await renderComparison(choice)).find((file) => file.path === 'compare.html')!;
      const file = path.join(workDir, `${pattern.id}.html`);
      await fs.writeFile(file, page.contents);
      const url = pathToFileURL(file).href;

      const session = await browser.newPage();
      const requested: string[] = [];
      browser.on('Network.requestWillBeSent', session, (params) => {
        requested.push((params.request as { url: string }).url);
      });
      await browser.send('Network.enable', {}, session);
      await browser.send('Page.enable', {}, session);
      await browser.send(
        'Emulation.setDeviceMetricsOverride',
        { width: 1600, height: 1000, deviceScaleFactor: 1, mobile: false },
        session,
      );
      const loaded = browser.next('Page.loadEventFired', session);
      await browser.send('Page.navigate', { url }, session);
      await loaded;

      const { result } = await browser.send(
        'Runtime.evaluate',
        { expression: measureColumns, returnByValue: true },
        session,
      );
      const columns = JSON.parse((result as { value: string }).value) as Column[];
      expect(columns.map((column) => column.target)).toEqual(targets.map((target) => target.id));
      for (const column of columns) {
        expect(column.width, column.target).toBeGreaterThan(100);
        expect(column.height, column.target).toBeGreaterThan(0);
        expect(column.visibility, column.target).toBe('visible');
        expect(column.display, column.target).not.toBe('none');
        expect(column.visibleCells, column.target).toBe(4);
      }

      const { cssContentSize } = (await browser.send('Page.getLayoutMetrics', {}, session)) as {
        cssContentSize: { width: number; height: number };
      };
      const { data } = await browser.send(
        'Page.captureScreenshot',
        {
          format: 'png',
          captureBeyondViewport: true,
          clip: { x: 0, y: 0, width: cssContentSize.width, height: Math.min(cssContentSize.height, 12_000), scale: 1 },
        },
        session,
      );
      await fs.writeFile(path.join(artifacts, `compare-${pattern.id}.png`), Buffer.from(data as string, 'base64'));

      // The page itself is the one request; a stylesheet, font, script or image from anywhere else is not allowed.
      expect(requested).toEqual([url]);
    });
  }
});

/** Runs in the page: each column header's box and style, and how many of its cells have a box. */
const measureColumns = `JSON.stringify([...document.querySelectorAll('header.column')].map((header) => {
  const target = header.dataset.target;
  const box = header.getBoundingClientRect();
  const style = getComputedStyle(header);
  const cells = [...document.querySelectorAll('section.cell[data-target="' + target + '"]')];
  return {
    target,
    width: box.width,
    height: box.height,
    visibility: style.visibility,
    display: style.display,
    visibleCells: cells.filter((cell) => {
      const cellBox = cell.getBoundingClientRect();
      return cellBox.width > 0 && cellBox.height > 0 && getComputedStyle(cell).visibility === 'visible';
    }).length,
  };
}))`;
