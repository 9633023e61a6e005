#!/usr/bin/env node
// Renders a BPMN 2.0 file to PNG (and SVG next to it) with bpmn-js' NavigatedViewer
// in Debian's headless Chromium, driven by playwright-core.
//
// Usage: node render/render.mjs <in.bpmn> <out.png>
//   writes <out.png> and <out>.svg (same path, .svg extension)
//
// Environment:
//   CHROMIUM_PATH  browser executable (default /usr/bin/chromium; `apt-get install -y chromium`)
//   RENDER_SCALE   device scale factor of the PNG (default 2)
//
// The page is built from local files only; every network request is aborted, and
// playwright never downloads a browser of its own (we always pass executablePath).
// Exits non-zero if bpmn-js reports import warnings (e.g. broken DI), so the script
// doubles as a check that the diagram imports cleanly.

import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

const [ input, output ] = process.argv.slice(2);
if (!input || !output || !output.toLowerCase().endsWith('.png')) {
  console.error('usage: node render/render.mjs <in.bpmn> <out.png>');
  process.exit(2);
}

const PADDING = 20;
const scale = Number(process.env.RENDER_SCALE || 2);
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const bpmnJsDir = path.dirname(require.resolve('bpmn-js/package.json'));
const asset = (p) => readFile(path.join(bpmnJsDir, p), 'utf8');

const [ xml, viewerJs, diagramCss, bpmnCss ] = await Promise.all([
  readFile(input, 'utf8'),
  asset('dist/bpmn-navigated-viewer.production.min.js'),
  asset('dist/assets/diagram-js.css'),
  asset('dist/assets/bpmn-js.css')
]);

const html = `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<style>${diagramCss}</style>
<style>${bpmnCss}</style>
<style>
  html, body { margin: 0; padding: 0; background: #fff; }
  #canvas { width: 1600px; height: 1000px; }
  /* no bpmn.io watermark / selection outlines in the exported picture */
  .bjs-powered-by { display: none !important; }
</style>
</head>
<body>
<div id="canvas"></div>
<script>${viewerJs}</script>
</body>
</html>`;

const browser = await chromium.launch({
  executablePath,
  headless: true,
  chromiumSandbox: false,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync'
  ]
});

try {
  const page = await browser.newPage({ deviceScaleFactor: scale });
  await page.route('**/*', (route) => route.abort());
  page.on('pageerror', (err) => console.error('page error:', err.message));

  await page.setContent(html, { waitUntil: 'load' });

  const result = await page.evaluate(async ({ xml, padding }) => {
    const container = document.getElementById('canvas');
    const viewer = new window.BpmnJS({ container });
    const { warnings } = await viewer.importXML(xml);

    const canvas = viewer.get('canvas');
    canvas.zoom(1);
    const inner = canvas.viewbox().inner;

    const width = Math.ceil(inner.width + 2 * padding);
    const height = Math.ceil(inner.height + 2 * padding);
    container.style.width = width + 'px';
    container.style.height = height + 'px';
    canvas.resized();
    canvas.viewbox({ x: inner.x - padding, y: inner.y - padding, width, height });

    const { svg } = await viewer.saveSVG();
    return {
      svg,
      width,
      height,
      warnings: warnings.map((w) => String(w.message || w))
    };
  }, { xml, padding: PADDING });

  for (const w of result.warnings) {
    console.error('bpmn-js import warning:', w);
  }

  await mkdir(path.dirname(path.resolve(output)), { recursive: true });
  const svgOut = output.replace(/\.png$/i, '.svg');
  await writeFile(svgOut, result.svg);

  await page.setViewportSize({ width: result.width, height: result.height });
  await page.locator('#canvas').screenshot({ path: output });

  console.log(`rendered ${input} -> ${output} (${result.width}x${result.height} @${scale}x), ${svgOut}`);
  if (result.warnings.length) {
    process.exitCode = 1;
  }
} finally {
  await browser.close();
}
